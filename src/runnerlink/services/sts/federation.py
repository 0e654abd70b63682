"""GetFederationToken: credentials of a federated user, for an IAM user (or the account's root) to hand out."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.iam import identity
from runnerlink.services.sts.errors import sts_error
from runnerlink.services.sts.records import session_inputs

DEFAULT_DURATION = 43200
ROOT_LIMIT = 3600


def get_federation_token(ctx: HandlerContext, params: dict) -> dict:
    arn = ctx.principal_arn
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    if ":sts::" in arn:
        raise sts_error("AccessDenied", "Cannot call GetFederationToken with session credentials", 403)
    policies = session_inputs.session_policy(params.get("Policy"))
    arns = session_inputs.policy_arns(params.get("PolicyArns"))
    tags, _ = session_inputs.session_tags(params.get("Tags"), None)
    packed = session_inputs.packed_size(policies, arns, tags) if policies or arns or tags else None
    duration = params.get("DurationSeconds") or DEFAULT_DURATION
    user = None
    if resource == "root":
        duration = min(duration, ROOT_LIMIT)  # root's federated sessions last an hour at most, as on AWS
    else:
        name = resource.rsplit("/", 1)[-1]
        user = ctx.tx.get(identity.USER, name) or {"UserName": name}
    name = params["Name"]
    credentials = identity.mint_federated_session(ctx.tx, ctx.account, user, name, duration, ctx.now,
                                                  policies=policies, policy_arns=arns, tags=tags)
    answer: dict = {"Credentials": credentials,
                    "FederatedUser": {"FederatedUserId": f"{ctx.account}:{name}",
                                      "Arn": f"arn:aws:sts::{ctx.account}:federated-user/{name}"}}
    if packed is not None:
        answer["PackedPolicySize"] = packed
    return answer


HANDLERS = {"GetFederationToken": get_federation_token}
READ_ONLY: frozenset[str] = frozenset()
