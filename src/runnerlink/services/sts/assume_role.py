"""AssumeRole: a role's temporary credentials, for a caller its trust policy admits."""

from __future__ import annotations

from runnerlink.auth.identity import ASSUMED_ROLE
from runnerlink.services.base import HandlerContext
from runnerlink.services.iam import identity
from runnerlink.services.iam.records import roles as iam_roles
from runnerlink.services.sts.errors import access_denied, validation
from runnerlink.services.sts.records import roles, session_inputs

DEFAULT_DURATION = 3600
CHAINED_LIMIT = 3600


def _is_role_session(arn: str) -> bool:
    return ":assumed-role/" in arn


def _caller_session(ctx: HandlerContext) -> dict | None:
    """The stored session of a caller that is itself a role session (role chaining), else None."""
    principal = ctx.principal
    if principal is None or principal.kind != ASSUMED_ROLE or principal.account != ctx.account:
        return None
    return identity.session(ctx.tx, principal.access_key)


def assume_role(ctx: HandlerContext, params: dict) -> dict:
    role_arn, caller = params["RoleArn"], ctx.principal_arn
    policies = session_inputs.session_policy(params.get("Policy"))
    arns = session_inputs.policy_arns(params.get("PolicyArns"))
    tags, transitive = session_inputs.session_tags(params.get("Tags"), params.get("TransitiveTagKeys"))
    found = roles.find(ctx, role_arn)
    if found is None:
        raise access_denied(caller, "sts:AssumeRole", role_arn)
    tx, role = found  # its trust policy was judged by the edge, through trust_policy below, in every mode
    caller_session = _caller_session(ctx)
    if caller_session is not None:
        tags, transitive = session_inputs.with_inherited(tags, transitive, caller_session.get("_tags", {}),
                                                         caller_session.get("_transitive", []))
    duration = params.get("DurationSeconds")
    if duration is not None:
        if _is_role_session(caller) and duration > CHAINED_LIMIT:
            raise validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
                             "role chaining.")
        if duration > role.get("MaxSessionDuration", DEFAULT_DURATION):
            raise validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    packed = session_inputs.packed_size(policies, arns, tags) if policies or arns or tags else None
    session_name = params["RoleSessionName"]
    credentials = identity.mint_role_session(
        tx, role, session_name, duration or DEFAULT_DURATION, ctx.now, policies=policies, policy_arns=arns,
        tags=tags, transitive=transitive, source_identity=params.get("SourceIdentity"))
    iam_roles.mark_used(tx, role, ctx.now, ctx.region)
    answer: dict = {
        "Credentials": credentials,
        "AssumedRoleUser": {"AssumedRoleId": f"{role['RoleId']}:{session_name}",
                            "Arn": identity.session_arn(role, session_name)},
    }
    if packed is not None:
        answer["PackedPolicySize"] = packed
    if params.get("SourceIdentity"):
        answer["SourceIdentity"] = params["SourceIdentity"]
    return answer


def trust_policy(ctx: HandlerContext, operation: str, params: dict) -> str | None:
    """The resource_policy hook: AssumeRole's role's trust policy, None when the role doesn't exist or the
    operation has none."""
    if operation != "AssumeRole":
        return None
    found = roles.find(ctx, params.get("RoleArn", ""))
    if found is None:
        return None
    return found[1]["AssumeRolePolicyDocument"]  # judged by the edge as a "trust" policy (no Resource: the role)


HANDLERS = {"AssumeRole": assume_role}
READ_ONLY: frozenset[str] = frozenset()
