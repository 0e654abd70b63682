"""GetSessionToken: temporary credentials that act as the IAM user (or the account's root) that asks."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.iam import identity
from runnerlink.services.sts.errors import sts_error

DEFAULT_DURATION = 43200
ROOT_LIMIT = 3600


def get_session_token(ctx: HandlerContext, params: dict) -> dict:
    arn = ctx.principal_arn
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    duration = params.get("DurationSeconds") or DEFAULT_DURATION
    if resource == "root":
        # The account's root gets at most an hour: a longer request is cut to one, as on AWS.
        credentials = identity.mint_user_session(ctx.tx, ctx.account, None, min(duration, ROOT_LIMIT), ctx.now)
    elif resource.startswith("user/"):
        user = ctx.tx.get(identity.USER, resource.rsplit("/", 1)[-1])
        if user is None:
            user = {"Arn": arn, "UserId": ctx.account, "UserName": resource.rsplit("/", 1)[-1]}
        credentials = identity.mint_user_session(ctx.tx, ctx.account, user, duration, ctx.now)
    else:
        raise sts_error("AccessDenied", "Cannot call GetSessionToken with session credentials", 403)
    return {"Credentials": credentials}


HANDLERS = {"GetSessionToken": get_session_token}
READ_ONLY: frozenset[str] = frozenset()
