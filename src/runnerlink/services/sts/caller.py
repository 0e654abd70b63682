"""Who is calling: GetCallerIdentity for every kind of credential, GetAccessKeyInfo for any key."""

from __future__ import annotations

from runnerlink.auth.keys import account_of_key
from runnerlink.services.base import HandlerContext
from runnerlink.services.iam import identity
from runnerlink.services.sts.errors import validation


def _user_id(ctx: HandlerContext, arn: str) -> str:
    """aws:userid of the principal ARN: the account (root), AIDA… (user), AROA…:session (role session),
    account:name (federated user)."""
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    if resource.startswith("user/"):
        user = ctx.tx.get(identity.USER, resource.rsplit("/", 1)[-1])
        if user is not None and user["Arn"] == arn:
            return user["UserId"]
    elif resource.startswith("assumed-role/"):
        _, role_name, session_name = resource.split("/", 2)
        role = identity.get_role(ctx.tx, role_name)
        if role is not None:
            return f"{role['RoleId']}:{session_name}"
    elif resource.startswith("federated-user/"):
        return f"{ctx.account}:{resource.split('/', 1)[1]}"
    return ctx.account


def get_caller_identity(ctx: HandlerContext, params: dict) -> dict:
    arn = ctx.principal_arn
    return {"UserId": _user_id(ctx, arn), "Account": ctx.account, "Arn": arn}


def get_access_key_info(ctx: HandlerContext, params: dict) -> dict:
    account = account_of_key(params["AccessKeyId"])
    if account is None:
        raise validation(f"The access key ID {params['AccessKeyId']} is not valid.")
    return {"Account": account}


HANDLERS = {"GetCallerIdentity": get_caller_identity, "GetAccessKeyInfo": get_access_key_info}
READ_ONLY = frozenset(HANDLERS)
