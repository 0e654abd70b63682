"""CreateTags, DeleteTags, DescribeTags over every taggable EC2 resource (tags live in the record's Tags)."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import is_gone, merge_tags, paginate
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue
from runnerlink.services.ec2.ids import ID_FIELD, kind_of
from runnerlink.services.ec2.records.filters import apply_filters
from runnerlink.services.ec2.records.kind import MAX_RESULTS, bad_token, page, put_record
from runnerlink.services.ec2.records.tags import TAG_RULES

# The NotFound code AWS uses for each kind when a tagged resource doesn't exist.
_NOT_FOUND = {
    "vpc": ("InvalidVpcID", "vpc ID"),
    "subnet": ("InvalidSubnetID", "subnet ID"),
    "internet-gateway": ("InvalidInternetGatewayID", "internetGateway ID"),
    "elastic-ip": ("InvalidAllocationID", "allocation ID"),
    "natgateway": ("NatGatewayNotFound", "NAT gateway ID"),
    "route-table": ("InvalidRouteTableID", "routeTable ID"),
    "security-group": ("InvalidGroup", "security group"),
    "security-group-rule": ("InvalidSecurityGroupRuleId", "security group rule ID"),
    "network-acl": ("InvalidNetworkAclID", "network ACL ID"),
    "network-interface": ("InvalidNetworkInterfaceID", "network interface ID"),
    "vpc-endpoint": ("InvalidVpcEndpointId", "VPC endpoint ID"),
    "dhcp-options": ("InvalidDhcpOptionID", "DHCP options ID"),
    "prefix-list": ("InvalidPrefixListID", "prefix list ID"),
    "subnet-cidr-reservation": ("InvalidSubnetCidrReservationID", "subnet CIDR reservation ID"),
}


def _resource(ctx: HandlerContext, resource_id: str) -> tuple[str, dict]:
    kind = kind_of(resource_id)
    if kind is None:
        raise InvalidParameterValue(f"The ID '{resource_id}' is not valid", code="InvalidID")  # as AWS words it
    record = ctx.tx.get(kind, resource_id)
    if record is None or is_gone(ctx, record):
        code, noun = _NOT_FOUND[kind]
        suffix = "" if code.endswith("NotFound") else ".NotFound"
        raise EC2Error(f"{code}{suffix}", f"The {noun} '{resource_id}' does not exist")
    return kind, record


def create_tags(ctx: HandlerContext, params: dict) -> dict:
    new = merge_tags(params.get("Tags"), TAG_RULES)
    for resource_id in params["Resources"]:
        kind, record = _resource(ctx, resource_id)
        merged = {t["Key"]: t["Value"] for t in record.get("Tags") or []}
        merged.update({t["Key"]: t["Value"] for t in new})
        record["Tags"] = merge_tags(({"Key": k, "Value": v} for k, v in merged.items()), TAG_RULES)
        put_record(ctx, kind, resource_id, record)
    return {}


def delete_tags(ctx: HandlerContext, params: dict) -> dict:
    """Tags with a Value are removed only when the value matches; without one, whatever the value."""
    for resource_id in params["Resources"]:
        kind, record = _resource(ctx, resource_id)
        keep = []
        for tag in record.get("Tags") or []:
            doomed = any(t["Key"] == tag["Key"] and ("Value" not in t or t["Value"] == tag["Value"])
                         for t in params.get("Tags") or [])
            if not doomed and params.get("Tags") is not None:
                keep.append(tag)
        record["Tags"] = keep
        put_record(ctx, kind, resource_id, record)
    return {}


_FILTERS = {
    "key": lambda t: t["Key"],
    "value": lambda t: t["Value"],
    "resource-id": lambda t: t["ResourceId"],
    "resource-type": lambda t: t["ResourceType"],
}


def describe_tags(ctx: HandlerContext, params: dict) -> dict:
    descriptions = []
    for kind in ID_FIELD:
        for record in ctx.tx.scan(kind):
            if is_gone(ctx, record):
                continue
            resource_id = record[ID_FIELD[kind]]
            for tag in record.get("Tags") or []:
                descriptions.append({"ResourceId": resource_id, "ResourceType": kind, **tag})
    found = apply_filters(descriptions, params.get("Filters"), _FILTERS)
    items, token = paginate(found, params, bad_token, MAX_RESULTS)
    return page("Tags", items, token)


HANDLERS = {"CreateTags": create_tags, "DeleteTags": delete_tags, "DescribeTags": describe_tags}
READ_ONLY = {"DescribeTags"}
