"""Internet gateways: create, attach (one per VPC, attachment state "available"), detach, delete, describe."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import ids
from runnerlink.services.ec2.common import Kind, page, tags_for
from runnerlink.services.ec2.errors import EC2Error, dependency_violation

KIND = Kind(
    name="internet-gateway",
    prefix="igw",
    id_field="InternetGatewayId",
    code="InvalidInternetGatewayID",
    noun="internetGateway ID",
    filters={
        "attachment.vpc-id": lambda r: [a["VpcId"] for a in r["Attachments"]],
        "attachment.state": lambda r: [a["State"] for a in r["Attachments"]],
        "internet-gateway-id": lambda r: r["InternetGatewayId"],
        "owner-id": lambda r: r["OwnerId"],
    },
)


def _new(ctx: HandlerContext, tags: list[dict], vpc_id: str | None = None) -> dict:
    record = {
        "InternetGatewayId": ids.new_id("igw"),
        "OwnerId": ctx.account,
        # AWS reports an attached gateway as "available" (never "attached"); Terraform waits for exactly that.
        "Attachments": [{"State": "available", "VpcId": vpc_id}] if vpc_id else [],
        "Tags": tags,
    }
    KIND.put(ctx, record)
    return record


def create_attached(ctx: HandlerContext, vpc_id: str) -> dict:
    """An internet gateway attached to vpc_id (the default VPC's)."""
    return _new(ctx, [], vpc_id)


def attached_vpc(record: dict) -> str | None:
    return next((a["VpcId"] for a in record["Attachments"]), None)


def gateway_of_vpc(ctx: HandlerContext, vpc_id: str) -> dict | None:
    """The internet gateway attached to vpc_id, if any."""
    return next((g for g in KIND.all(ctx) if attached_vpc(g) == vpc_id), None)


def _get_vpc(ctx: HandlerContext, vpc_id: str) -> dict:
    from runnerlink.services.ec2 import vpcs

    return vpcs.get_vpc(ctx, vpc_id)


def create_internet_gateway(ctx: HandlerContext, params: dict) -> dict:
    return {"InternetGateway": _new(ctx, tags_for(params, "internet-gateway"))}


def attach_internet_gateway(ctx: HandlerContext, params: dict) -> dict:
    gateway = KIND.get(ctx, params["InternetGatewayId"])
    vpc_id = _get_vpc(ctx, params["VpcId"])["VpcId"]
    current = attached_vpc(gateway)
    if current:
        raise EC2Error("Resource.AlreadyAssociated",
                       f"resource {gateway['InternetGatewayId']} is already attached to network {current}")
    other = gateway_of_vpc(ctx, vpc_id)
    if other:
        raise EC2Error("Resource.AlreadyAssociated",
                       f"resource {vpc_id} is already attached to network {other['InternetGatewayId']}")
    gateway["Attachments"] = [{"State": "available", "VpcId": vpc_id}]
    KIND.put(ctx, gateway)
    return {}


def detach_internet_gateway(ctx: HandlerContext, params: dict) -> dict:
    from runnerlink.services.ec2 import addresses

    gateway = KIND.get(ctx, params["InternetGatewayId"])
    vpc_id = _get_vpc(ctx, params["VpcId"])["VpcId"]
    if attached_vpc(gateway) != vpc_id:
        raise EC2Error("Gateway.NotAttached",
                       f"resource {gateway['InternetGatewayId']} is not attached to network {vpc_id}")
    if addresses.has_mapped_public_addresses(ctx, vpc_id):
        raise EC2Error("DependencyViolation", f"Network {vpc_id} has some mapped public address(es). Please unmap "
                                              f"those public address(es) before detaching the gateway.")
    gateway["Attachments"] = []
    KIND.put(ctx, gateway)
    return {}


def delete_internet_gateway(ctx: HandlerContext, params: dict) -> dict:
    gateway = KIND.get(ctx, params["InternetGatewayId"])
    if gateway["Attachments"]:
        raise dependency_violation(gateway["InternetGatewayId"])
    ctx.tx.delete(KIND.name, gateway["InternetGatewayId"])
    return {}


def describe_internet_gateways(ctx: HandlerContext, params: dict) -> dict:
    items, token = KIND.describe(ctx, params, "InternetGatewayIds")
    return page("InternetGateways", items, token)


HANDLERS = {
    "CreateInternetGateway": create_internet_gateway,
    "AttachInternetGateway": attach_internet_gateway,
    "DetachInternetGateway": detach_internet_gateway,
    "DeleteInternetGateway": delete_internet_gateway,
    "DescribeInternetGateways": describe_internet_gateways,
}
READ_ONLY = {"DescribeInternetGateways"}
