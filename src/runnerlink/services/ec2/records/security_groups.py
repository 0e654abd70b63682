"""Security groups and their rules.

Each rule is a "security-group-rule" record shaped as the API's SecurityGroupRule: one protocol, one port range and
one peer (CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupInfo.GroupId). Those flat records are the truth and are
what a pure evaluator reads ("does group X admit TCP 443 from address A or group G?" — see `rules()`). The group
record keeps its rule ids in order ("_rule_ids") and carries IpPermissions / IpPermissionsEgress rendered from them
on every change, grouped as AWS groups them: one IpPermission per protocol and port range with all its peers.
"""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import is_gone
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.ids import arn, is_well_formed, new_id
from runnerlink.services.ec2.records.kind import Kind, put_record
from runnerlink.services.ec2.records.managed_prefix_lists import rule_weight

GROUP_KIND = "security-group"
RULE_KIND = "security-group-rule"
DEFAULT_NAME = "default"
DEFAULT_DESCRIPTION = "default VPC security group"
RULES_PER_DIRECTION = 60  # AWS's default quota of inbound (and of outbound) rules per group
PORTED = ("tcp", "udp")
ICMP = ("icmp", "icmpv6")

SECURITY_GROUP_RULE = Kind(RULE_KIND, "sgr", "SecurityGroupRuleId", "InvalidSecurityGroupRuleId",
                           "security group rule ID", {
                               "group-id": lambda r: r["GroupId"],
                               "security-group-rule-id": lambda r: r["SecurityGroupRuleId"],
                           })


def get_group(ctx: HandlerContext, group_id: str) -> dict:
    """The group, or InvalidGroupId.Malformed / InvalidGroup.NotFound."""
    if not is_well_formed(group_id, "sg"):
        raise EC2Error("InvalidGroupId.Malformed", f'Invalid id: "{group_id}" (expecting "sg-...")')
    record = ctx.tx.get(GROUP_KIND, group_id)
    if record is None or is_gone(ctx, record):
        raise group_not_found(group_id)
    return record


def default_group_id(ctx: HandlerContext, vpc_id: str) -> str:
    """The id of the VPC's "default" group."""
    group = group_by_name(ctx, vpc_id, DEFAULT_NAME)
    if group is None:
        raise group_not_found(DEFAULT_NAME)
    return group["GroupId"]


def create_default_group(ctx: HandlerContext, vpc: dict) -> dict:
    """The VPC's "default" group: all traffic from members of the group itself, all traffic out."""
    group = new_group(ctx, vpc, DEFAULT_NAME, DEFAULT_DESCRIPTION, [])
    self_peer = {"ReferencedGroupInfo": {"GroupId": group["GroupId"], "UserId": ctx.account}}
    add_rules(ctx, group, [new_rule(ctx, group, False, "-1", -1, -1, self_peer)])
    return group


def rules(ctx: HandlerContext, group_id: str, egress: bool) -> list[dict]:
    """The group's inbound (or outbound) rules as flat SecurityGroupRule records, in the order they were added."""
    group = ctx.tx.get(GROUP_KIND, group_id)
    found = [ctx.tx.get(RULE_KIND, rule_id) for rule_id in (group or {}).get("_rule_ids", [])]
    return [r for r in found if r is not None and r["IsEgress"] == egress]


def group_not_found(name_or_id: str) -> EC2Error:
    return EC2Error("InvalidGroup.NotFound", f"The security group '{name_or_id}' does not exist")


def group_by_name(ctx: HandlerContext, vpc_id: str, name: str) -> dict | None:
    if not vpc_id:  # (no default VPC) every group belongs to a VPC
        return None
    lowered = name.lower()
    in_vpc = (g for g in ctx.tx.scan(GROUP_KIND, parent=vpc_id) if not is_gone(ctx, g))  # the VPC's groups only
    return next((g for g in in_vpc if g["GroupName"].lower() == lowered), None)


def new_rule(ctx: HandlerContext, group: dict, egress: bool, protocol: str, from_port: int, to_port: int,
             peer: dict, description: str | None = None) -> dict:
    """A rule record of the group (not yet stored: add_rules does that); description already checked."""
    rule_id = new_id("sgr")
    rule = {
        "SecurityGroupRuleId": rule_id,
        "GroupId": group["GroupId"],
        "GroupOwnerId": group["OwnerId"],
        "IsEgress": egress,
        "IpProtocol": protocol,
        "FromPort": from_port,
        "ToPort": to_port,
        **peer,
        "Tags": [],
        "SecurityGroupRuleArn": arn(ctx.region, ctx.account, RULE_KIND, rule_id),
    }
    if description is not None:
        rule["Description"] = description
    return rule


def peer_key(rule: dict) -> tuple[str, str]:
    if "CidrIpv4" in rule:
        return "cidr", rule["CidrIpv4"]
    if "CidrIpv6" in rule:
        return "cidr6", rule["CidrIpv6"].lower()
    if "PrefixListId" in rule:
        return "pl", rule["PrefixListId"]
    return "sg", rule["ReferencedGroupInfo"]["GroupId"]


def rule_key(rule: dict) -> tuple:
    """What makes two rules the same rule (the description does not)."""
    return rule["IsEgress"], rule["IpProtocol"], rule["FromPort"], rule["ToPort"], peer_key(rule)


def has_ports(rule: dict) -> bool:
    return rule["IpProtocol"] in PORTED + ICMP


def describe_rule(rule: dict) -> str:
    """AWS's wording of a rule in InvalidPermission.Duplicate: "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22,
    ALLOW"."""
    protocol = "ALL" if rule["IpProtocol"] == "-1" else rule["IpProtocol"].upper()
    ports = f", from port: {rule['FromPort']}, to port: {rule['ToPort']}" if has_ports(rule) else ""
    return f"peer: {peer_key(rule)[1]}, {protocol}{ports}, ALLOW"


def permissions(rule_records: list[dict]) -> list[dict]:
    """Rules grouped as AWS's IpPermissions: one per protocol and port range, holding all its peers."""
    grouped: dict[tuple, dict] = {}
    for rule in rule_records:
        key = rule["IpProtocol"], rule["FromPort"], rule["ToPort"]
        permission = grouped.get(key)
        if permission is None:
            permission = {"IpProtocol": rule["IpProtocol"]}
            if has_ports(rule):
                permission.update(FromPort=rule["FromPort"], ToPort=rule["ToPort"])
            permission.update(UserIdGroupPairs=[], IpRanges=[], Ipv6Ranges=[], PrefixListIds=[])
            grouped[key] = permission
        described = {"Description": rule["Description"]} if "Description" in rule else {}
        if "CidrIpv4" in rule:
            permission["IpRanges"].append({"CidrIp": rule["CidrIpv4"], **described})
        elif "CidrIpv6" in rule:
            permission["Ipv6Ranges"].append({"CidrIpv6": rule["CidrIpv6"], **described})
        elif "PrefixListId" in rule:
            permission["PrefixListIds"].append({"PrefixListId": rule["PrefixListId"], **described})
        else:
            referenced = rule["ReferencedGroupInfo"]
            permission["UserIdGroupPairs"].append({**described, "GroupId": referenced["GroupId"],
                                                   "UserId": referenced["UserId"]})
    return list(grouped.values())


def sync_permissions(ctx: HandlerContext, group: dict) -> None:
    """Re-render the group's IpPermissions from its rule records and save it."""
    records = [r for r in (ctx.tx.get(RULE_KIND, i) for i in group["_rule_ids"]) if r is not None]
    group["_rule_ids"] = [r["SecurityGroupRuleId"] for r in records]
    group["IpPermissions"] = permissions([r for r in records if not r["IsEgress"]])
    group["IpPermissionsEgress"] = permissions([r for r in records if r["IsEgress"]])
    put_record(ctx, GROUP_KIND, group["GroupId"], group)


def add_rules(ctx: HandlerContext, group: dict, new: list[dict]) -> None:
    """Store new rules in the group: none may repeat a rule it has, nor take a direction past the quota."""
    existing = [r for r in (ctx.tx.get(RULE_KIND, i) for i in group["_rule_ids"]) if r is not None]
    seen = {rule_key(r) for r in existing}
    for rule in new:
        if rule_key(rule) in seen:
            raise EC2Error("InvalidPermission.Duplicate",
                           f'the specified rule "{describe_rule(rule)}" already exists')
        seen.add(rule_key(rule))
    for egress in (False, True):
        if quota_used(ctx, [r for r in existing + new if r["IsEgress"] == egress]) > RULES_PER_DIRECTION:
            raise EC2Error("RulesPerSecurityGroupLimitExceeded",
                           "The maximum number of rules per security group has been reached.")
    for rule in new:
        put_record(ctx, RULE_KIND, rule["SecurityGroupRuleId"], rule)
        group["_rule_ids"].append(rule["SecurityGroupRuleId"])
    sync_permissions(ctx, group)


def quota_used(ctx: HandlerContext, rule_records: list[dict], sizes: dict[str, int] | None = None) -> int:
    """How much of a direction's rule quota the rules take: a rule referencing a customer prefix list counts as the
    list's MaxEntries (sizes: MaxEntries to assume for some lists), every other rule as one."""
    sizes = sizes or {}
    total = 0
    for rule in rule_records:
        prefix_list_id = rule.get("PrefixListId")
        if prefix_list_id is None:
            total += 1
        else:
            total += sizes[prefix_list_id] if prefix_list_id in sizes else rule_weight(ctx, prefix_list_id)
    return total


def new_group(ctx: HandlerContext, vpc: dict, name: str, description: str, tags: list[dict]) -> dict:
    """Store a group of the VPC with AWS's default egress: all traffic out (IPv4, and IPv6 when the VPC has it)."""
    group_id = new_id("sg")
    group = {
        "GroupId": group_id,
        "GroupName": name,
        "Description": description,
        "VpcId": vpc["VpcId"],
        "OwnerId": ctx.account,
        "IpPermissions": [],
        "IpPermissionsEgress": [],
        "Tags": tags,
        "SecurityGroupArn": arn(ctx.region, ctx.account, GROUP_KIND, group_id),
        "_rule_ids": [],
    }
    put_record(ctx, GROUP_KIND, group_id, group)
    egress = [new_rule(ctx, group, True, "-1", -1, -1, {"CidrIpv4": "0.0.0.0/0"})]
    if vpc.get("Ipv6CidrBlockAssociationSet"):
        egress.append(new_rule(ctx, group, True, "-1", -1, -1, {"CidrIpv6": "::/0"}))
    add_rules(ctx, group, egress)
    return group
