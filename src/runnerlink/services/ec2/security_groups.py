"""Security groups and their rules: create, describe, delete, authorize, revoke, modify. The rules are parsed here
from IpPermissions (or the older flat parameters) into the flat records records.security_groups keeps."""

from __future__ import annotations

import ipaddress
import re

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import is_gone, paginate
from runnerlink.services.ec2.defaults import defaults
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue
from runnerlink.services.ec2.ids import is_well_formed
from runnerlink.services.ec2.records.filters import apply_filters
from runnerlink.services.ec2.records.kind import MAX_RESULTS, bad_token, page, put_record
from runnerlink.services.ec2.records.managed_prefix_lists import referable
from runnerlink.services.ec2.records.security_groups import (
    DEFAULT_NAME,
    GROUP_KIND,
    ICMP,
    PORTED,
    RULE_KIND,
    RULES_PER_DIRECTION,
    SECURITY_GROUP_RULE,
    add_rules,
    describe_rule,
    get_group,
    group_by_name,
    group_not_found,
    new_group,
    new_rule,
    quota_used,
    rule_key,
    rules,
    sync_permissions,
)
from runnerlink.services.ec2.records.tags import tags_for
from runnerlink.services.ec2.records.vpcs import get_vpc

_TEXT = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*")
_PROTOCOL_NAMES = {"1": "icmp", "6": "tcp", "17": "udp", "58": "icmpv6"}


def _groups(ctx: HandlerContext) -> list[dict]:
    return [g for g in ctx.tx.scan(GROUP_KIND) if not is_gone(ctx, g)]


def _default_vpc_id(ctx: HandlerContext) -> str | None:
    vpc_id = defaults(ctx).get("VpcId")
    vpc = ctx.tx.get("vpc", vpc_id) if vpc_id else None
    return vpc_id if vpc is not None and not is_gone(ctx, vpc) else None


def _group_by_id_or_default_vpc_name(ctx: HandlerContext, params: dict) -> dict:
    """The group named by GroupId, else by GroupName in the default VPC (as Ingress/Delete accept)."""
    if params.get("GroupId"):
        return get_group(ctx, params["GroupId"])
    name = params.get("GroupName")
    if not name:
        raise EC2Error("MissingParameter", "The request must contain the parameter groupName or groupId")
    vpc_id = _default_vpc_id(ctx)
    group = group_by_name(ctx, vpc_id, name) if vpc_id else None
    if group is None:
        suffix = f" in default VPC '{vpc_id}'" if vpc_id else ""
        raise EC2Error("InvalidGroup.NotFound", f"The security group '{name}' does not exist{suffix}")
    return group


def _protocol(raw: str | None) -> str:
    value = (raw or "").strip().lower()
    if value in ("-1", "all"):
        return "-1"
    if value in PORTED + ICMP:
        return value
    if value.isdigit() and int(value) <= 255:
        return _PROTOCOL_NAMES.get(str(int(value)), str(int(value)))
    raise InvalidParameterValue(f"Invalid value '{raw}' for IP protocol. Unknown protocol.")


def _ports(protocol: str, from_port: int | None, to_port: int | None) -> tuple[int, int]:
    """The rule's (FromPort, ToPort): the port range for TCP/UDP, ICMP type and code, -1/-1 for everything else."""
    if protocol in PORTED:
        if from_port is None or to_port is None:
            raise InvalidParameterValue("Invalid value 'Must specify both from and to ports with TCP/UDP.' "
                                        "for portRange")
        for port in (from_port, to_port):
            if not 0 <= port <= 65535:
                raise InvalidParameterValue(f"Invalid value '{port}' for portRange. Must be between 0 and 65535.")
        if from_port > to_port:
            raise InvalidParameterValue(f"Invalid value '{from_port}-{to_port}' for portRange. "
                                        "The from port must not be greater than the to port.")
        return from_port, to_port
    if protocol in ICMP:
        if protocol == "icmp" and (from_port is None or to_port is None):
            raise InvalidParameterValue("Invalid value 'Must specify both ICMP type and code.' for icmpTypeCode")
        icmp_type = -1 if from_port is None else from_port
        icmp_code = -1 if to_port is None else to_port
        for value in (icmp_type, icmp_code):
            if not -1 <= value <= 255:
                raise InvalidParameterValue(f"Invalid value '{value}' for ICMP type or code. "
                                            "Must be between -1 and 255.")
        return icmp_type, icmp_code
    return -1, -1


def _cidr(value: str, version: int) -> str:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        network = None
    if network is None or network.version != version or "/" not in value:
        raise InvalidParameterValue(f"CIDR block {value} is malformed")
    return value


def _text(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if len(value) > 255 or not _TEXT.fullmatch(value):
        if not value.isascii():
            raise InvalidParameterValue(f"Value ({value}) for parameter {what} is invalid. Character sets beyond "
                                        "ASCII are not supported.")
        raise InvalidParameterValue(f"Invalid {what}: up to 255 characters of a-z, A-Z, 0-9, spaces, "
                                    "and ._-:/()#,@[]+=&;{}!$*")
    return value


def _referenced_group(ctx: HandlerContext, group: dict, pair: dict) -> dict:
    """The ReferencedGroupInfo of a UserIdGroupPair: the group must exist (when it is this account's)."""
    user_id = pair.get("UserId") or ctx.account
    if pair.get("GroupId"):
        if user_id == ctx.account:
            get_group(ctx, pair["GroupId"])
        elif not is_well_formed(pair["GroupId"], "sg"):
            raise EC2Error("InvalidGroupId.Malformed", f'Invalid id: "{pair["GroupId"]}" (expecting "sg-...")')
        return {"GroupId": pair["GroupId"], "UserId": user_id}
    if pair.get("GroupName"):
        found = group_by_name(ctx, group["VpcId"], pair["GroupName"])
        if found is None:
            raise group_not_found(pair["GroupName"])
        return {"GroupId": found["GroupId"], "UserId": user_id}
    raise EC2Error("MissingParameter", "A UserIdGroupPair must name a group (GroupId or GroupName)")


def _peers(ctx: HandlerContext, group: dict, permission: dict) -> list[tuple[dict, str | None]]:
    """(peer fields, description) for every range, prefix list and group a permission names."""
    peers: list[tuple[dict, str | None]] = []
    for item in permission.get("IpRanges") or []:
        peers.append(({"CidrIpv4": _cidr(item.get("CidrIp", ""), 4)}, item.get("Description")))
    for item in permission.get("Ipv6Ranges") or []:
        peers.append(({"CidrIpv6": _cidr(item.get("CidrIpv6", ""), 6)}, item.get("Description")))
    for item in permission.get("PrefixListIds") or []:
        prefix_list = item.get("PrefixListId", "")
        referable(ctx, prefix_list)  # Malformed / NotFound
        peers.append(({"PrefixListId": prefix_list}, item.get("Description")))
    for pair in permission.get("UserIdGroupPairs") or []:
        peers.append(({"ReferencedGroupInfo": _referenced_group(ctx, group, pair)}, pair.get("Description")))
    if not peers:
        raise EC2Error("MissingParameter", "A rule must specify a source or destination: an IPv4 or IPv6 address "
                                           "range, a prefix list, or a security group.")
    return peers


def _rules_of_permissions(ctx: HandlerContext, group: dict, egress: bool, permissions: list[dict]) -> list[dict]:
    found = []
    for permission in permissions:
        protocol = _protocol(permission.get("IpProtocol"))
        from_port, to_port = _ports(protocol, permission.get("FromPort"), permission.get("ToPort"))
        for peer, description in _peers(ctx, group, permission):
            found.append(new_rule(ctx, group, egress, protocol, from_port, to_port, peer,
                               _text(description, "description")))
    return found


def _check_name(name: str) -> None:
    _text(name, "GroupName")
    if not name:
        raise EC2Error("MissingParameter", "The request must contain the parameter groupName")
    if name.lower() == DEFAULT_NAME:
        raise EC2Error("InvalidGroup.Reserved", f"The security group '{name}' is reserved")
    if name.lower().startswith("sg-"):
        raise InvalidParameterValue("Group names may not be in the format sg-*")


def create_security_group(ctx: HandlerContext, params: dict) -> dict:
    name, description = params["GroupName"], params["Description"]
    _check_name(name)
    if not description:
        raise EC2Error("MissingParameter", "The request must contain the parameter GroupDescription")
    _text(description, "GroupDescription")
    if params.get("VpcId"):
        vpc = get_vpc(ctx, params["VpcId"])
    else:
        vpc_id = _default_vpc_id(ctx)
        if vpc_id is None:
            raise EC2Error("VPCIdNotSpecified", "No default VPC for this user")
        vpc = get_vpc(ctx, vpc_id)
    tags = tags_for(params, GROUP_KIND)
    if group_by_name(ctx, vpc["VpcId"], name) is not None:
        raise EC2Error("InvalidGroup.Duplicate",
                       f"The security group '{name}' already exists for VPC '{vpc['VpcId']}'")
    group = new_group(ctx, vpc, name, description, tags)
    out = {"GroupId": group["GroupId"], "SecurityGroupArn": group["SecurityGroupArn"]}
    if tags:
        out["Tags"] = tags
    return out


def _group_filters(ctx: HandlerContext) -> dict:
    def peers(direction: str, field: str):
        return lambda g: [p.get(field) for perm in g[direction] for p in perm["UserIdGroupPairs"]]

    def names(direction: str):
        def referenced(g: dict) -> list[str]:
            found = (ctx.tx.get(GROUP_KIND, p["GroupId"]) for perm in g[direction] for p in perm["UserIdGroupPairs"])
            return [r["GroupName"] for r in found if r is not None]
        return referenced

    filters = {
        "group-id": lambda g: g["GroupId"],
        "group-name": lambda g: g["GroupName"],
        "vpc-id": lambda g: g["VpcId"],
        "description": lambda g: g["Description"],
        "owner-id": lambda g: g["OwnerId"],
    }
    for prefix, direction in (("ip-permission.", "IpPermissions"), ("egress.ip-permission.", "IpPermissionsEgress")):
        filters.update({
            prefix + "cidr": lambda g, d=direction: [r["CidrIp"] for p in g[d] for r in p["IpRanges"]],
            prefix + "ipv6-cidr": lambda g, d=direction: [r["CidrIpv6"] for p in g[d] for r in p["Ipv6Ranges"]],
            prefix + "prefix-list-id": lambda g, d=direction: [r["PrefixListId"] for p in g[d]
                                                               for r in p["PrefixListIds"]],
            prefix + "protocol": lambda g, d=direction: [p["IpProtocol"] for p in g[d]],
            prefix + "from-port": lambda g, d=direction: [p.get("FromPort") for p in g[d]],
            prefix + "to-port": lambda g, d=direction: [p.get("ToPort") for p in g[d]],
            prefix + "group-id": peers(direction, "GroupId"),
            prefix + "user-id": peers(direction, "UserId"),
            prefix + "group-name": names(direction),
        })
    return filters


def describe_security_groups(ctx: HandlerContext, params: dict) -> dict:
    found = _groups(ctx)
    group_ids = params.get("GroupIds")
    if group_ids:
        by_id = {g["GroupId"]: g for g in found}
        for group_id in group_ids:
            if group_id not in by_id:
                get_group(ctx, group_id)  # Malformed / NotFound
        found = [by_id[i] for i in dict.fromkeys(group_ids)]
    names = params.get("GroupNames")
    if names:
        vpc_id = _default_vpc_id(ctx)
        named = []
        for name in dict.fromkeys(names):
            group = group_by_name(ctx, vpc_id, name) if vpc_id else None
            if group is None:
                suffix = f" in default VPC '{vpc_id}'" if vpc_id else ""
                raise EC2Error("InvalidGroup.NotFound", f"The security group '{name}' does not exist{suffix}")
            named.append(group["GroupId"])
        found = [g for g in found if g["GroupId"] in named]
    found = apply_filters(found, params.get("Filters"), _group_filters(ctx))
    items, token = paginate(found, params, bad_token, MAX_RESULTS)
    return page("SecurityGroups", items, token)


def _dependent(ctx: HandlerContext, group_id: str) -> bool:
    """Whether anything other than the group itself uses or references it."""
    for eni in ctx.tx.scan("network-interface"):
        if not is_gone(ctx, eni) and any(g["GroupId"] == group_id for g in eni.get("Groups") or []):
            return True
    for endpoint in ctx.tx.scan("vpc-endpoint"):
        if endpoint.get("_gone_at") is None and any(g["GroupId"] == group_id for g in endpoint.get("Groups") or []):
            return True
    for rule in ctx.tx.scan(RULE_KIND):
        referenced = rule.get("ReferencedGroupInfo") or {}
        if referenced.get("GroupId") == group_id and rule["GroupId"] != group_id:
            return True
    return False


def delete_security_group(ctx: HandlerContext, params: dict) -> dict:
    group = _group_by_id_or_default_vpc_name(ctx, params)
    group_id = group["GroupId"]
    if group["GroupName"] == DEFAULT_NAME:
        raise EC2Error("CannotDelete", f'the specified group: "{group_id}" name: "default" cannot be deleted by a user')
    if _dependent(ctx, group_id):
        raise EC2Error("DependencyViolation", f"resource {group_id} has a dependent object")
    for rule_id in group["_rule_ids"]:
        ctx.tx.delete(RULE_KIND, rule_id)
    ctx.tx.delete(GROUP_KIND, group_id)
    return {"Return": True, "GroupId": group_id}


def _requested_permissions(ctx: HandlerContext, params: dict) -> list[dict]:
    """IpPermissions, or the single permission the older flat parameters describe."""
    if params.get("IpPermissions"):
        return params["IpPermissions"]
    if not params.get("IpProtocol") and not params.get("CidrIp") and not params.get("SourceSecurityGroupName"):
        raise EC2Error("MissingParameter", "The request must contain the parameter ipPermissions")
    permission = {"IpProtocol": params.get("IpProtocol") or "-1", "FromPort": params.get("FromPort"),
                  "ToPort": params.get("ToPort")}
    if params.get("CidrIp"):
        permission["IpRanges"] = [{"CidrIp": params["CidrIp"]}]
    if params.get("SourceSecurityGroupName"):
        permission["UserIdGroupPairs"] = [{"GroupName": params["SourceSecurityGroupName"],
                                           "UserId": params.get("SourceSecurityGroupOwnerId")}]
    return [permission]


def _authorize(ctx: HandlerContext, params: dict, egress: bool) -> dict:
    group = get_group(ctx, params["GroupId"]) if egress else _group_by_id_or_default_vpc_name(ctx, params)
    new = _rules_of_permissions(ctx, group, egress, _requested_permissions(ctx, params))
    tags = tags_for(params, RULE_KIND)
    for rule in new:
        rule["Tags"] = list(tags)
    add_rules(ctx, group, new)
    return {"Return": True, "SecurityGroupRules": new}


def authorize_security_group_ingress(ctx: HandlerContext, params: dict) -> dict:
    return _authorize(ctx, params, egress=False)


def authorize_security_group_egress(ctx: HandlerContext, params: dict) -> dict:
    return _authorize(ctx, params, egress=True)


def _rule_by_id(ctx: HandlerContext, group: dict, rule_id: str, egress: bool | None) -> dict:
    rule = SECURITY_GROUP_RULE.get(ctx, rule_id)
    if rule["GroupId"] != group["GroupId"] or (egress is not None and rule["IsEgress"] != egress):
        raise EC2Error("InvalidSecurityGroupRuleId.NotFound",
                       f"The security group rule ID '{rule_id}' does not exist")
    return rule


def _matches(ctx: HandlerContext, group: dict, egress: bool, permissions_: list[dict]) -> tuple[list, list]:
    """The existing rules that requested permissions name, and the requested permissions that match none."""
    existing = {rule_key(r): r for r in rules(ctx, group["GroupId"], egress)}
    matched, unknown = [], []
    for permission in permissions_:
        wanted = _rules_of_permissions(ctx, group, egress, [permission])
        hits = [existing[rule_key(w)] for w in wanted if rule_key(w) in existing]
        matched.extend(hits)
        if len(hits) < len(wanted):
            unknown.append(permission)
    return matched, unknown


def _revoke(ctx: HandlerContext, params: dict, egress: bool) -> dict:
    group = get_group(ctx, params["GroupId"]) if egress else _group_by_id_or_default_vpc_name(ctx, params)
    unknown: list[dict] = []
    if params.get("SecurityGroupRuleIds"):
        doomed = [_rule_by_id(ctx, group, i, egress) for i in dict.fromkeys(params["SecurityGroupRuleIds"])]
    else:
        doomed, unknown = _matches(ctx, group, egress, _requested_permissions(ctx, params))
        # A non-default VPC refuses the whole request when any rule is unknown; the default VPC revokes what it
        # can and lists the rest.
        in_default_vpc = group["VpcId"] == _default_vpc_id(ctx)
        if unknown and (not in_default_vpc or not doomed):
            raise EC2Error("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
    gone = {r["SecurityGroupRuleId"] for r in doomed}
    for rule_id in gone:
        ctx.tx.delete(RULE_KIND, rule_id)
    group["_rule_ids"] = [i for i in group["_rule_ids"] if i not in gone]
    sync_permissions(ctx, group)
    revoked = [_revoked(r) for r in {r["SecurityGroupRuleId"]: r for r in doomed}.values()]
    out: dict = {"Return": True, "RevokedSecurityGroupRules": revoked}
    if unknown:
        out["UnknownIpPermissions"] = unknown
    return out


def _revoked(rule: dict) -> dict:
    out = {k: rule[k] for k in ("SecurityGroupRuleId", "GroupId", "IsEgress", "IpProtocol", "FromPort", "ToPort",
                                "CidrIpv4", "CidrIpv6", "PrefixListId", "Description") if k in rule}
    if "ReferencedGroupInfo" in rule:
        out["ReferencedGroupId"] = rule["ReferencedGroupInfo"]["GroupId"]
    return out


def revoke_security_group_ingress(ctx: HandlerContext, params: dict) -> dict:
    return _revoke(ctx, params, egress=False)


def revoke_security_group_egress(ctx: HandlerContext, params: dict) -> dict:
    return _revoke(ctx, params, egress=True)


def describe_security_group_rules(ctx: HandlerContext, params: dict) -> dict:
    items, token = SECURITY_GROUP_RULE.describe(ctx, params, "SecurityGroupRuleIds")
    return page("SecurityGroupRules", items, token)


def modify_security_group_rules(ctx: HandlerContext, params: dict) -> dict:
    group = get_group(ctx, params["GroupId"])
    for update in params["SecurityGroupRules"]:
        rule = _rule_by_id(ctx, group, update["SecurityGroupRuleId"], None)
        request = update.get("SecurityGroupRule") or {}
        peer_fields = {
            "CidrIpv4": lambda v: {"CidrIpv4": _cidr(v, 4)},
            "CidrIpv6": lambda v: {"CidrIpv6": _cidr(v, 6)},
            "PrefixListId": lambda v: {"PrefixListId": referable(ctx, v)["PrefixListId"]},
            "ReferencedGroupId": lambda v: {"ReferencedGroupInfo": _referenced_group(ctx, group, {"GroupId": v})},
        }
        named = [k for k in peer_fields if request.get(k)]
        if len(named) != 1:
            raise InvalidParameterValue("A security group rule must specify exactly one of CidrIpv4, CidrIpv6, "
                                        "PrefixListId or ReferencedGroupId.")
        protocol = _protocol(request.get("IpProtocol"))
        from_port, to_port = _ports(protocol, request.get("FromPort"), request.get("ToPort"))
        for stale in ("CidrIpv4", "CidrIpv6", "PrefixListId", "ReferencedGroupInfo", "Description"):
            rule.pop(stale, None)
        rule.update(IpProtocol=protocol, FromPort=from_port, ToPort=to_port, **peer_fields[named[0]](request[named[0]]))
        if request.get("Description") is not None:
            rule["Description"] = _text(request["Description"], "description")
        others = [r for r in rules(ctx, group["GroupId"], rule["IsEgress"])
                  if r["SecurityGroupRuleId"] != rule["SecurityGroupRuleId"]]
        if any(rule_key(r) == rule_key(rule) for r in others):
            raise EC2Error("InvalidPermission.Duplicate", f'the specified rule "{describe_rule(rule)}" already exists')
        put_record(ctx, RULE_KIND, rule["SecurityGroupRuleId"], rule)
    for egress in (False, True):  # a rule now referencing a prefix list counts as its MaxEntries
        if quota_used(ctx, rules(ctx, group["GroupId"], egress)) > RULES_PER_DIRECTION:
            raise EC2Error("RulesPerSecurityGroupLimitExceeded",
                           "The maximum number of rules per security group has been reached.")
    sync_permissions(ctx, group)
    return {"Return": True}


def _update_descriptions(ctx: HandlerContext, params: dict, egress: bool) -> dict:
    group = _group_by_id_or_default_vpc_name(ctx, params)
    changes: list[tuple[dict, str | None]] = []
    if params.get("SecurityGroupRuleDescriptions"):
        for item in params["SecurityGroupRuleDescriptions"]:
            rule = _rule_by_id(ctx, group, item.get("SecurityGroupRuleId", ""), egress)
            changes.append((rule, item.get("Description")))
    else:
        existing = {rule_key(r): r for r in rules(ctx, group["GroupId"], egress)}
        for wanted in _rules_of_permissions(ctx, group, egress, params.get("IpPermissions") or []):
            rule = existing.get(rule_key(wanted))
            if rule is None:
                raise EC2Error("InvalidPermission.NotFound",
                               "The specified rule does not exist in this security group.")
            changes.append((rule, wanted.get("Description")))
    for rule, description in changes:
        rule.pop("Description", None)
        if description:
            rule["Description"] = _text(description, "description")
        put_record(ctx, RULE_KIND, rule["SecurityGroupRuleId"], rule)
    sync_permissions(ctx, group)
    return {"Return": True}


def update_security_group_rule_descriptions_ingress(ctx: HandlerContext, params: dict) -> dict:
    return _update_descriptions(ctx, params, egress=False)


def update_security_group_rule_descriptions_egress(ctx: HandlerContext, params: dict) -> dict:
    return _update_descriptions(ctx, params, egress=True)


HANDLERS = {
    "CreateSecurityGroup": create_security_group,
    "DescribeSecurityGroups": describe_security_groups,
    "DeleteSecurityGroup": delete_security_group,
    "AuthorizeSecurityGroupIngress": authorize_security_group_ingress,
    "AuthorizeSecurityGroupEgress": authorize_security_group_egress,
    "RevokeSecurityGroupIngress": revoke_security_group_ingress,
    "RevokeSecurityGroupEgress": revoke_security_group_egress,
    "DescribeSecurityGroupRules": describe_security_group_rules,
    "ModifySecurityGroupRules": modify_security_group_rules,
    "UpdateSecurityGroupRuleDescriptionsIngress": update_security_group_rule_descriptions_ingress,
    "UpdateSecurityGroupRuleDescriptionsEgress": update_security_group_rule_descriptions_egress,
}


READ_ONLY = {"DescribeSecurityGroups", "DescribeSecurityGroupRules"}
