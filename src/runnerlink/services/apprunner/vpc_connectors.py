"""VPC connectors: ACTIVE from creation (usable at once), INACTIVE after delete; one revision per name."""

from __future__ import annotations

import re

from runnerlink.services.apprunner import ids
from runnerlink.services.apprunner.common import VPC_CONNECTOR, check_tags, finished, paginate, public
from runnerlink.services.apprunner.errors import InvalidRequest, ResourceNotFound, ServiceQuotaExceeded
from runnerlink.services.base import HandlerContext

ACTIVE = "ACTIVE"
INACTIVE = "INACTIVE"
QUOTA = 10
FIELD = "VpcConnectorArn"
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
        owners[subnet] = _ec2_record(ctx, "subnet", subnet, "subnet")["VpcId"]
    for group in groups:
        owners[group] = _ec2_record(ctx, "security-group", group, "security group")["VpcId"]
    vpcs = list(dict.fromkeys(owners.values()))
    if len(vpcs) > 1:
        where = ", ".join(f"{resource} is in {vpc}" for resource, vpc in owners.items())
        raise InvalidRequest(f"The subnets and security groups of a VPC connector must all belong to one VPC: {where}.")
    return groups or _default_groups(ctx, vpcs[0])


def _ec2_record(ctx: HandlerContext, kind: str, resource_id: str, noun: str) -> dict:
    """An EC2 resource of this account and Region (EC2 keeps its records in the same store scope)."""
    record = ctx.tx.get(kind, resource_id)
    if record is None or (record.get("_gone_at") is not None and finished(ctx, record["_gone_at"], 0)):
        raise InvalidRequest(f"The {noun} {resource_id} doesn't exist in this account and Region.")
    return record


def _default_groups(ctx: HandlerContext, vpc_id: str) -> list[str]:
    return [g["GroupId"] for g in ctx.tx.scan("security-group")
            if g.get("VpcId") == vpc_id and g.get("GroupName") == "default"][:1]


def _active(ctx: HandlerContext) -> list[dict]:
    return [c for c in ctx.tx.scan(VPC_CONNECTOR) if c["Status"] == ACTIVE]


def _get(ctx: HandlerContext, arn: str) -> dict:
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
    record = _get(ctx, arn)
    if record["Status"] != ACTIVE:
        raise ResourceNotFound(f"The VPC connector {arn} has been deleted.")
    return record


def _users(ctx: HandlerContext, arn: str) -> list[str]:
    from runnerlink.services.apprunner import services

    users = []
    for service in services.live_services(ctx):
        egress = (service.get("NetworkConfiguration") or {}).get("EgressConfiguration") or {}
        if egress.get("VpcConnectorArn") == arn:
            users.append(service["ServiceArn"])
    return users


def create_vpc_connector(ctx: HandlerContext, params: dict) -> dict:
    name = params["VpcConnectorName"]
    subnets = list(params["Subnets"])
    groups = _check_network(ctx, subnets, list(params.get("SecurityGroups") or []))
    active = _active(ctx)
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
        "_tags": check_tags(params.get("Tags")),
    }
    ctx.tx.put(VPC_CONNECTOR, record[FIELD], record)
    return {"VpcConnector": public(record)}


def describe_vpc_connector(ctx: HandlerContext, params: dict) -> dict:
    return {"VpcConnector": public(_get(ctx, params[FIELD]))}


def delete_vpc_connector(ctx: HandlerContext, params: dict) -> dict:
    record = resolve_vpc_connector(ctx, params[FIELD])
    if _users(ctx, record[FIELD]):
        raise InvalidRequest(
            "You can't delete the VPC connector. It's used by one or more services. "
            "To delete it, update the services to use other VPC connectors."
        )
    record.update(Status=INACTIVE, DeletedAt=ctx.now, _deleted_at=ctx.now)
    ctx.tx.put(VPC_CONNECTOR, record[FIELD], record)
    return {"VpcConnector": public(record)}


def list_vpc_connectors(ctx: HandlerContext, params: dict) -> dict:
    page, token = paginate(_active(ctx), params)
    return {"VpcConnectors": [public(c) for c in page], **({"NextToken": token} if token else {})}


HANDLERS = {
    "CreateVpcConnector": create_vpc_connector,
    "DescribeVpcConnector": describe_vpc_connector,
    "DeleteVpcConnector": delete_vpc_connector,
    "ListVpcConnectors": list_vpc_connectors,
}
READ_ONLY = {"DescribeVpcConnector", "ListVpcConnectors"}
ADMIN: dict = {}
