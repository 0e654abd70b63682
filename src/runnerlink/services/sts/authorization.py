"""How STS requests are authorized and refused: a role's ARN is the resource of the calls that name one;
GetCallerIdentity is answered without authorization, as on AWS (even an explicit deny doesn't stop it)."""

from __future__ import annotations

from runnerlink.services.base import Authorization, Denial
from runnerlink.wire.models import operation_names

DENIAL = Denial(code="AccessDenied", status=403)
UNAUTHORIZED = frozenset({"GetCallerIdentity"})


def authorize(operation: str, params: dict, region: str, account: str) -> Authorization | None:
    """KeyError for an operation STS doesn't have."""
    if operation not in operation_names("sts"):
        raise KeyError(operation)
    if operation in UNAUTHORIZED:
        return None
    role = params.get("RoleArn")
    return Authorization(f"sts:{operation}", (role,) if isinstance(role, str) else ("*",))
