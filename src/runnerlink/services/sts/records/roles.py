"""The role an STS request names, read in its own account's global scope (which may not be the caller's)."""

from __future__ import annotations

from runnerlink.services.base import GLOBAL_REGION, HandlerContext
from runnerlink.services.iam import identity
from runnerlink.services.iam.ids import parse_role_arn
from runnerlink.store import Transaction

def scope_of(ctx: HandlerContext, account: str) -> Transaction:
    """The transaction of the account's global scope: the request's own, or a view of another account's."""
    return ctx.tx if account == ctx.account else ctx.tx.in_scope(f"{account}/{GLOBAL_REGION}")


def find(ctx: HandlerContext, role_arn: str) -> tuple[Transaction, dict] | None:
    """(the role account's transaction, the role) for a role ARN naming an existing role, else None."""
    parsed = parse_role_arn(role_arn)
    if parsed is None:
        return None
    tx = scope_of(ctx, parsed[0])
    role = identity.get_role(tx, parsed[1])
    if role is None or role["Arn"] != role_arn:
        return None
    return tx, role
