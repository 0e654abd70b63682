"""How EC2 requests are authorized and refused: every EC2 action acts on "*" (runnerlink keeps no EC2 resource-level
authorization), and a refusal is UnauthorizedOperation, whose sentence leaves out "on resource: *"."""

from __future__ import annotations

from runnerlink.services.base import Authorization, Denial
from runnerlink.wire.models import operation_names

DENIAL = Denial(code="UnauthorizedOperation", status=403,
                prefix="You are not authorized to perform this operation. ", names_any_resource=False)


def authorize(operation: str, params: dict, region: str, account: str) -> Authorization:
    """KeyError for an operation EC2 doesn't have."""
    if operation not in operation_names("ec2"):
        raise KeyError(operation)
    return Authorization(f"ec2:{operation}")
