"""How IAM requests are authorized and refused: iam:<Operation> on the entity the request names.

The resource is the ARN of the user, group, role or instance profile in the input (Attach/Detach*Policy and the
boundary operations are judged on the entity, the policy given as iam:PolicyARN / iam:PermissionsBoundary, as the
Service Authorization Reference lists them), else the policy ARN, else "*" (List* without a target, the caller's own
user when UserName is absent). The ARN is built from the name with the default path "/": AWS authorizes the entity's
real ARN, path included, which would take a store read here. A policy naming "arn:aws:iam::ACCT:user/*" covers both;
one naming a path (user/eng/*) does not match yet."""

from __future__ import annotations

from runnerlink.services.base import Authorization, Denial
from runnerlink.services.iam import ids
from runnerlink.wire.models import operation_names

DENIAL = Denial(code="AccessDenied", status=403)

_ENTITIES = (("UserName", ids.user_arn), ("GroupName", ids.group_arn), ("RoleName", ids.role_arn),
             ("InstanceProfileName", ids.instance_profile_arn))


def _resource(operation: str, params: dict, account: str) -> str:
    if operation == "CreatePolicy":
        return ids.policy_arn(account, params.get("PolicyName", ""), params.get("Path"))
    if operation in ("AddUserToGroup", "RemoveUserFromGroup"):
        return ids.group_arn(account, params.get("GroupName", ""))
    for field, build in _ENTITIES:
        if isinstance(params.get(field), str):
            return build(account, params[field])
    if isinstance(params.get("PolicyArn"), str):
        return params["PolicyArn"]
    return "*"


def _context(params: dict) -> dict:
    context = {}
    if isinstance(params.get("PolicyArn"), str) and any(isinstance(params.get(f), str) for f, _ in _ENTITIES):
        context["iam:PolicyARN"] = params["PolicyArn"]
    if isinstance(params.get("PermissionsBoundary"), str):
        context["iam:PermissionsBoundary"] = params["PermissionsBoundary"]
    return context


def authorize(operation: str, params: dict, region: str, account: str) -> Authorization | None:
    """KeyError for an operation IAM doesn't have."""
    if operation not in operation_names("iam"):
        raise KeyError(operation)
    return Authorization(f"iam:{operation}", (_resource(operation, params, account),), _context(params))
