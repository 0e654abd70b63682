"""VPC connectors: create (subnets and security groups of one VPC), describe, delete, list."""

from __future__ import annotations

import re

import runnerlink.services.apprunner.ids as ids
from runnerlink.services.apprunner.errors import InvalidRequest, ServiceQuotaExceeded
from runnerlink.services.apprunner.inputs import TAG_RULES, bad_token
from runnerlink.services.apprunner.records.ec2_resources import default_security_groups, ec2_record
from runnerlink.services.apprunner.records.kinds import VPC_CONNECTOR
from runnerlink.services.apprunner.records.usage import vpc_connector_users
from runnerlink.services.apprunner.records.vpc_connectors import (
    ACTIVE, FIELD, INACTIVE, active_connectors, get_vpc_connector, resolve_vpc_connector,
)
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import merge_tags, paginate, public

QUOTA = 10
_SUBNET_ID = re.compile(r"subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})")
_GROUP_ID = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})")


def _check_network(ctx: HandlerContext, subnets: list[str], groups: list[str]) -> list[str]:
    """The subnets and security groups a connector names must be well-formed, exist as EC2 resources in this account
    and Region, and all belong to one VPC. Returns the security groups to use: those given, else the VPC's default
    group (as App Runner does when none are given)."""
    if not subnets:
        raise InvalidRequest("Subnets must contain at least one subnet ID.")
    for subnet in subnets:
        if not _SUBNET_ID.fullmatch(subnet):
            raise InvalidRequest(f"The subnet ID '{subnet}' is not valid.")
    for group in groups:
        if not _GROUP_ID.fullmatch(group):
            raise InvalidRequest(f"The security group ID '{group}' is not valid.")
    owners: dict[str, str] = {}  # resource id → its VPC
    for subnet in subnets:
        owners[subnet] = _require_ec2(ctx, "subnet", subnet, "subnet")["VpcId"]
    for group in groups:
        owners[group] = _require_ec2(ctx, "security-group", group, "security group")["VpcId"]
    vpcs = list(dict.fromkeys(owners.values()))
    if len(vpcs) > 1:
        where = ", ".join(f"{resource} is in {vpc}" for resource, vpc in owners.items())
        raise InvalidRequest(f"The subnets and security groups of a VPC connector must all belong to one VPC: {where}.")
    return groups or default_security_groups(ctx, vpcs[0])


def _require_ec2(ctx: HandlerContext, kind: str, resource_id: str, noun: str) -> dict:
    record = ec2_record(ctx, kind, resource_id)
    if record is None:
        raise InvalidRequest(f"The {noun} {resource_id} doesn't exist in this account and Region.")
    return record


def create_vpc_connector(ctx: HandlerContext, params: dict) -> dict:
    name = params["VpcConnectorName"]
    subnets = list(params["Subnets"])
    groups = _check_network(ctx, subnets, list(params.get("SecurityGroups") or []))
    active = active_connectors(ctx)
    if any(c["VpcConnectorName"] == name for c in active):
        raise InvalidRequest(f"A VPC connector with the name {name} already exists in this account and region.")
    if len(active) >= QUOTA:
        raise ServiceQuotaExceeded(f"You have reached the maximum number of VPC connectors ({QUOTA}) in this region.")
    record = {
        "VpcConnectorName": name,
        "VpcConnectorArn": ids.arn(ctx.region, ctx.account, f"{VPC_CONNECTOR}/{name}/1/{ids.new_id()}"),
        "VpcConnectorRevision": 1,
        "Subnets": subnets,
        "SecurityGroups": groups,
        "Status": ACTIVE,
        "CreatedAt": ctx.now,
        "_tags": merge_tags(params.get("Tags"), TAG_RULES),
    }
    ctx.tx.put(VPC_CONNECTOR, record[FIELD], record)
    return {"VpcConnector": public(record)}


def describe_vpc_connector(ctx: HandlerContext, params: dict) -> dict:
    return {"VpcConnector": public(get_vpc_connector(ctx, params[FIELD]))}


def delete_vpc_connector(ctx: HandlerContext, params: dict) -> dict:
    record = resolve_vpc_connector(ctx, params[FIELD])
    if vpc_connector_users(ctx, record[FIELD]):
        raise InvalidRequest(
            "You can't delete the VPC connector. It's used by one or more services. "
            "To delete it, update the services to use other VPC connectors."
        )
    record.update(Status=INACTIVE, DeletedAt=ctx.now, _deleted_at=ctx.now)
    ctx.tx.put(VPC_CONNECTOR, record[FIELD], record)
    return {"VpcConnector": public(record)}


def list_vpc_connectors(ctx: HandlerContext, params: dict) -> dict:
    page, token = paginate(active_connectors(ctx), params, bad_token)
    return {"VpcConnectors": [public(c) for c in page], **({"NextToken": token} if token else {})}


HANDLERS = {
    "CreateVpcConnector": create_vpc_connector,
    "DescribeVpcConnector": describe_vpc_connector,
    "DeleteVpcConnector": delete_vpc_connector,
    "ListVpcConnectors": list_vpc_connectors,
}
READ_ONLY = {"DescribeVpcConnector", "ListVpcConnectors"}
ADMIN: dict = {}
