"""Internet gateways: create, attach (one per VPC), detach, delete, describe."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import EC2Error, dependency_violation
from runnerlink.services.ec2.records.addresses import has_mapped_public_addresses
from runnerlink.services.ec2.records.internet_gateways import (
    INTERNET_GATEWAY,
    attached_vpc,
    create_gateway,
    gateway_of_vpc,
)
from runnerlink.services.ec2.records.kind import page
from runnerlink.services.ec2.records.tags import tags_for
from runnerlink.services.ec2.records.vpcs import get_vpc


def create_internet_gateway(ctx: HandlerContext, params: dict) -> dict:
    return {"InternetGateway": create_gateway(ctx, tags_for(params, "internet-gateway"))}


def attach_internet_gateway(ctx: HandlerContext, params: dict) -> dict:
    gateway = INTERNET_GATEWAY.get(ctx, params["InternetGatewayId"])
    vpc_id = get_vpc(ctx, params["VpcId"])["VpcId"]
    current = attached_vpc(gateway)
    if current:
        raise EC2Error("Resource.AlreadyAssociated",
                       f"resource {gateway['InternetGatewayId']} is already attached to network {current}")
    other = gateway_of_vpc(ctx, vpc_id)
    if other:
        raise EC2Error("Resource.AlreadyAssociated",
                       f"resource {vpc_id} is already attached to network {other['InternetGatewayId']}")
    gateway["Attachments"] = [{"State": "available", "VpcId": vpc_id}]
    INTERNET_GATEWAY.put(ctx, gateway)
    return {}


def detach_internet_gateway(ctx: HandlerContext, params: dict) -> dict:
    gateway = INTERNET_GATEWAY.get(ctx, params["InternetGatewayId"])
    vpc_id = get_vpc(ctx, params["VpcId"])["VpcId"]
    if attached_vpc(gateway) != vpc_id:
        raise EC2Error("Gateway.NotAttached",
                       f"resource {gateway['InternetGatewayId']} is not attached to network {vpc_id}")
    if has_mapped_public_addresses(ctx, vpc_id):
        raise EC2Error("DependencyViolation", f"Network {vpc_id} has some mapped public address(es). Please unmap "
                                              f"those public address(es) before detaching the gateway.")
    gateway["Attachments"] = []
    INTERNET_GATEWAY.put(ctx, gateway)
    return {}


def delete_internet_gateway(ctx: HandlerContext, params: dict) -> dict:
    gateway = INTERNET_GATEWAY.get(ctx, params["InternetGatewayId"])
    if gateway["Attachments"]:
        raise dependency_violation(gateway["InternetGatewayId"])
    ctx.tx.delete(INTERNET_GATEWAY.name, gateway["InternetGatewayId"])
    return {}


def describe_internet_gateways(ctx: HandlerContext, params: dict) -> dict:
    items, token = INTERNET_GATEWAY.describe(ctx, params, "InternetGatewayIds")
    return page("InternetGateways", items, token)


HANDLERS = {
    "CreateInternetGateway": create_internet_gateway,
    "AttachInternetGateway": attach_internet_gateway,
    "DetachInternetGateway": detach_internet_gateway,
    "DeleteInternetGateway": delete_internet_gateway,
    "DescribeInternetGateways": describe_internet_gateways,
}
READ_ONLY = {"DescribeInternetGateways"}
