"""How IAM requests are authorized and refused: iam:<Operation> on the entity the request names.

The resource is the ARN of the user, group, role or policy in the input, as the Service Authorization Reference lists
for each action; List* calls without a target, and those naming no entity, are judged on "*". The ARN is built from
the name alone, with the default path "/": AWS authorizes the entity's real ARN (its path included), which would take
a store read here. A policy granting "arn:aws:iam::ACCT:user/*" covers both; one naming a path does not yet match."""

from __future__ import annotations

from runnerlink.services.base import Authorization, Denial
from runnerlink.services.iam import ids
from runnerlink.wire.models import operation_names

DENIAL = Denial(code="AccessDenied", status=403)

def _resources(params: dict, account: str) -> tuple[str, ...]:
    if isinstance(params.get("PolicyArn"), str):
        return (params["PolicyArn"],)
    for field, build in (("UserName", ids.user_arn), ("GroupName", ids.group_arn), ("RoleName", ids.role_arn),
                         ("InstanceProfileName", ids.instance_profile_arn)):
        if isinstance(params.get(field), str):
            return (build(account, params[field]),)
    return ("*",)


def authorize(operation: str, params: dict, region: str, account: str) -> Authorization | None:
    """KeyError for an operation IAM doesn't have."""
    if operation not in operation_names("iam"):
        raise KeyError(operation)
    if operation == "CreatePolicy":
        return Authorization("iam:CreatePolicy", (ids.policy_arn(account, params.get("PolicyName", ""),
                                                                 params.get("Path")),))
    if operation == "AddUserToGroup" or operation == "RemoveUserFromGroup":
        return Authorization(f"iam:{operation}", (ids.group_arn(account, params.get("GroupName", "")),))
    # A caller acting on its own user without naming it: AWS judges the caller's user ARN; "*" matches it too.
    return Authorization(f"iam:{operation}", _resources(params, account))
