"""Internet gateways: at most one attached per VPC, attachment state "available"."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.ids import new_id
from runnerlink.services.ec2.records.kind import Kind

INTERNET_GATEWAY = Kind(
    name="internet-gateway",
    prefix="igw",
    id_field="InternetGatewayId",
    code="InvalidInternetGatewayID",
    malformed_code="InvalidInternetGatewayId.Malformed",
    noun="internetGateway ID",
    filters={
        "attachment.vpc-id": lambda r: [a["VpcId"] for a in r["Attachments"]],
        "attachment.state": lambda r: [a["State"] for a in r["Attachments"]],
        "internet-gateway-id": lambda r: r["InternetGatewayId"],
        "owner-id": lambda r: r["OwnerId"],
    },
)


def create_gateway(ctx: HandlerContext, tags: list[dict], vpc_id: str | None = None) -> dict:
    """A stored internet gateway, attached to vpc_id when given (the default VPC's)."""
    record = {
        "InternetGatewayId": new_id("igw"),
        "OwnerId": ctx.account,
        # AWS reports an attached gateway as "available" (never "attached"); Terraform waits for exactly that.
        "Attachments": [{"State": "available", "VpcId": vpc_id}] if vpc_id else [],
        "Tags": tags,
    }
    INTERNET_GATEWAY.put(ctx, record)
    return record


def attached_vpc(record: dict) -> str | None:
    return next((a["VpcId"] for a in record["Attachments"]), None)


def gateway_of_vpc(ctx: HandlerContext, vpc_id: str) -> dict | None:
    """The internet gateway attached to vpc_id, if any."""
    return next((g for g in INTERNET_GATEWAY.all(ctx) if attached_vpc(g) == vpc_id), None)
