"""How IAM requests are authorized and refused: iam:<Operation> on the entity the request names."""

from __future__ import annotations

from runnerlink.services.base import Authorization, Denial
from runnerlink.wire.models import operation_names

DENIAL = Denial(code="AccessDenied", status=403)


def authorize(operation: str, params: dict, region: str, account: str) -> Authorization | None:
    """KeyError for an operation IAM doesn't have."""
    if operation not in operation_names("iam"):
        raise KeyError(operation)
    return Authorization(f"iam:{operation}")
