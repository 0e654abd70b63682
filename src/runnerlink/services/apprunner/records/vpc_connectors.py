"""VPC connector records: ACTIVE from creation (usable at once), INACTIVE after delete; one revision per name."""

from __future__ import annotations

import runnerlink.services.apprunner.ids as ids
from runnerlink.services.apprunner.errors import InvalidRequest, ResourceNotFound
from runnerlink.services.apprunner.records.kinds import VPC_CONNECTOR
from runnerlink.services.base import HandlerContext

ACTIVE = "ACTIVE"
INACTIVE = "INACTIVE"
FIELD = "VpcConnectorArn"


def active_connectors(ctx: HandlerContext) -> list[dict]:
    return [c for c in ctx.tx.scan(VPC_CONNECTOR) if c["Status"] == ACTIVE]


def get_vpc_connector(ctx: HandlerContext, arn: str) -> dict:
    """The connector a full ARN names, active or not."""
    parsed = ids.parse_arn(arn, FIELD)
    if parsed.resource_type != VPC_CONNECTOR or len(parsed.parts) != 3:
        raise InvalidRequest(f"The {FIELD} '{arn}' must be a full VPC connector ARN.")
    record = ctx.tx.get(VPC_CONNECTOR, arn)
    if record is None:
        raise ResourceNotFound(f"The VPC connector {arn} doesn't exist.")
    return record


def resolve_vpc_connector(ctx: HandlerContext, arn: str) -> dict:
    """The active connector a full ARN names."""
    record = get_vpc_connector(ctx, arn)
    if record["Status"] != ACTIVE:
        raise ResourceNotFound(f"The VPC connector {arn} has been deleted.")
    return record
