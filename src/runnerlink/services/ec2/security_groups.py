"""Security groups and their rules.

Each rule is a "security-group-rule" record shaped as the API's SecurityGroupRule: one protocol, one port range and
one peer (CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupInfo.GroupId). Those flat records are the truth and are
what a pure evaluator reads ("does group X admit TCP 443 from address A or group G?" — see `rules()`). The group
record keeps its rule ids in order ("_rule_ids") and carries IpPermissions / IpPermissionsEgress rendered from them
on every change, grouped as AWS groups them: one IpPermission per protocol and port range with all its peers.
"""

from __future__ import annotations

import ipaddress
import re

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import ids
from runnerlink.services.ec2.common import Kind, apply_filters, is_gone, page, paginate, put_record, tags_for
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue

GROUP_KIND = "security-group"
RULE_KIND = "security-group-rule"
DEFAULT_NAME = "default"
DEFAULT_DESCRIPTION = "default VPC security group"
RULES_PER_DIRECTION = 60  # AWS's default quota of inbound (and of outbound) rules per group

_TEXT = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*")
_PROTOCOL_NAMES = {"1": "icmp", "6": "tcp", "17": "udp", "58": "icmpv6"}
_PORTED = ("tcp", "udp")
_ICMP = ("icmp", "icmpv6")

_RULES = Kind(RULE_KIND, "sgr", "SecurityGroupRuleId", "InvalidSecurityGroupRuleId", "security group rule ID", {
    "group-id": lambda r: r["GroupId"],
    "security-group-rule-id": lambda r: r["SecurityGroupRuleId"],
})


# --- lookups (the cross-module interface) ----------------------------------------------------------------------------

def get_group(ctx: HandlerContext, group_id: str) -> dict:
    """The group, or InvalidGroupId.Malformed / InvalidGroup.NotFound."""
    if not ids.is_well_formed(group_id, "sg"):
        raise EC2Error("InvalidGroupId.Malformed", f'Invalid id: "{group_id}" (expecting "sg-...")')
    record = ctx.tx.get(GROUP_KIND, group_id)
    if record is None or is_gone(ctx, record):
        raise _group_not_found(group_id)
    return record


def default_group_id(ctx: HandlerContext, vpc_id: str) -> str:
    """The id of the VPC's "default" group."""
    group = _by_name(ctx, vpc_id, DEFAULT_NAME)
    if group is None:
        raise _group_not_found(DEFAULT_NAME)
    return group["GroupId"]


def create_default_group(ctx: HandlerContext, vpc: dict) -> dict:
    """The VPC's "default" group: all traffic from members of the group itself, all traffic out."""
    group = _new_group(ctx, vpc, DEFAULT_NAME, DEFAULT_DESCRIPTION, [])
    self_peer = {"ReferencedGroupInfo": {"GroupId": group["GroupId"], "UserId": ctx.account}}
    _add_rules(ctx, group, [_rule(ctx, group, False, "-1", -1, -1, self_peer)])
    return group


def rules(ctx: HandlerContext, group_id: str, egress: bool) -> list[dict]:
    """The group's inbound (or outbound) rules as flat SecurityGroupRule records, in the order they were added."""
    group = ctx.tx.get(GROUP_KIND, group_id)
    found = [ctx.tx.get(RULE_KIND, rule_id) for rule_id in (group or {}).get("_rule_ids", [])]
    return [r for r in found if r is not None and r["IsEgress"] == egress]


def _group_not_found(name_or_id: str) -> EC2Error:
    return EC2Error("InvalidGroup.NotFound", f"The security group '{name_or_id}' does not exist")


def _groups(ctx: HandlerContext) -> list[dict]:
    return [g for g in ctx.tx.scan(GROUP_KIND) if not is_gone(ctx, g)]


def _by_name(ctx: HandlerContext, vpc_id: str, name: str) -> dict | None:
    if not vpc_id:  # (no default VPC) every group belongs to a VPC
        return None
    lowered = name.lower()
    in_vpc = (g for g in ctx.tx.scan(GROUP_KIND, parent=vpc_id) if not is_gone(ctx, g))  # the VPC's groups only
    return next((g for g in in_vpc if g["GroupName"].lower() == lowered), None)


def _default_vpc_id(ctx: HandlerContext) -> str | None:
    from runnerlink.services.ec2 import vpcs

    vpc_id = vpcs.defaults(ctx).get("VpcId")
    vpc = ctx.tx.get("vpc", vpc_id) if vpc_id else None
    return vpc_id if vpc is not None and not is_gone(ctx, vpc) else None


def _vpc(ctx: HandlerContext, vpc_id: str) -> dict:
    from runnerlink.services.ec2 import vpcs

    return vpcs.get_vpc(ctx, vpc_id)


def _group_by_id_or_default_vpc_name(ctx: HandlerContext, params: dict) -> dict:
    """The group named by GroupId, else by GroupName in the default VPC (as Ingress/Delete accept)."""
    if params.get("GroupId"):
        return get_group(ctx, params["GroupId"])
    name = params.get("GroupName")
    if not name:
        raise EC2Error("MissingParameter", "The request must contain the parameter groupName or groupId")
    vpc_id = _default_vpc_id(ctx)
    group = _by_name(ctx, vpc_id, name) if vpc_id else None
    if group is None:
        suffix = f" in default VPC '{vpc_id}'" if vpc_id else ""
        raise EC2Error("InvalidGroup.NotFound", f"The security group '{name}' does not exist{suffix}")
    return group


# --- rules: parsing and rendering ------------------------------------------------------------------------------------

def _protocol(raw: str | None) -> str:
    value = (raw or "").strip().lower()
    if value in ("-1", "all"):
        return "-1"
    if value in _PORTED + _ICMP:
        return value
    if value.isdigit() and int(value) <= 255:
        return _PROTOCOL_NAMES.get(str(int(value)), str(int(value)))
    raise InvalidParameterValue(f"Invalid value '{raw}' for IP protocol. Unknown protocol.")


def _ports(protocol: str, from_port: int | None, to_port: int | None) -> tuple[int, int]:
    """The rule's (FromPort, ToPort): the port range for TCP/UDP, ICMP type and code, -1/-1 for everything else."""
    if protocol in _PORTED:
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
    if protocol in _ICMP:
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
        elif not ids.is_well_formed(pair["GroupId"], "sg"):
            raise EC2Error("InvalidGroupId.Malformed", f'Invalid id: "{pair["GroupId"]}" (expecting "sg-...")')
        return {"GroupId": pair["GroupId"], "UserId": user_id}
    if pair.get("GroupName"):
        found = _by_name(ctx, group["VpcId"], pair["GroupName"])
        if found is None:
            raise _group_not_found(pair["GroupName"])
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
        if not ids.is_well_formed(prefix_list, "pl"):
            raise EC2Error("InvalidPrefixListId.Malformed", f'Invalid id: "{prefix_list}" (expecting "pl-...")')
        peers.append(({"PrefixListId": prefix_list}, item.get("Description")))
    for pair in permission.get("UserIdGroupPairs") or []:
        peers.append(({"ReferencedGroupInfo": _referenced_group(ctx, group, pair)}, pair.get("Description")))
    if not peers:
        raise EC2Error("MissingParameter", "A rule must specify a source or destination: an IPv4 or IPv6 address "
                                           "range, a prefix list, or a security group.")
    return peers


def _rule(ctx: HandlerContext, group: dict, egress: bool, protocol: str, from_port: int, to_port: int,
          peer: dict, description: str | None = None) -> dict:
    rule_id = ids.new_id("sgr")
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
        "SecurityGroupRuleArn": ids.arn(ctx.region, ctx.account, RULE_KIND, rule_id),
    }
    if description is not None:
        rule["Description"] = _text(description, "description")
    return rule


def _rules_of_permissions(ctx: HandlerContext, group: dict, egress: bool, permissions: list[dict]) -> list[dict]:
    found = []
    for permission in permissions:
        protocol = _protocol(permission.get("IpProtocol"))
        from_port, to_port = _ports(protocol, permission.get("FromPort"), permission.get("ToPort"))
        for peer, description in _peers(ctx, group, permission):
            found.append(_rule(ctx, group, egress, protocol, from_port, to_port, peer, description))
    return found


def _peer_key(rule: dict) -> tuple[str, str]:
    if "CidrIpv4" in rule:
        return "cidr", rule["CidrIpv4"]
    if "CidrIpv6" in rule:
        return "cidr6", rule["CidrIpv6"].lower()
    if "PrefixListId" in rule:
        return "pl", rule["PrefixListId"]
    return "sg", rule["ReferencedGroupInfo"]["GroupId"]


def _key(rule: dict) -> tuple:
    """What makes two rules the same rule (the description does not)."""
    return rule["IsEgress"], rule["IpProtocol"], rule["FromPort"], rule["ToPort"], _peer_key(rule)


def _has_ports(rule: dict) -> bool:
    return rule["IpProtocol"] in _PORTED + _ICMP


def _describe_rule(rule: dict) -> str:
    """AWS's wording of a rule in InvalidPermission.Duplicate: "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22,
    ALLOW"."""
    protocol = "ALL" if rule["IpProtocol"] == "-1" else rule["IpProtocol"].upper()
    ports = f", from port: {rule['FromPort']}, to port: {rule['ToPort']}" if _has_ports(rule) else ""
    return f"peer: {_peer_key(rule)[1]}, {protocol}{ports}, ALLOW"


def permissions(rule_records: list[dict]) -> list[dict]:
    """Rules grouped as AWS's IpPermissions: one per protocol and port range, holding all its peers."""
    grouped: dict[tuple, dict] = {}
    for rule in rule_records:
        key = rule["IpProtocol"], rule["FromPort"], rule["ToPort"]
        permission = grouped.get(key)
        if permission is None:
            permission = {"IpProtocol": rule["IpProtocol"]}
            if _has_ports(rule):
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


def _sync(ctx: HandlerContext, group: dict) -> None:
    """Re-render the group's IpPermissions from its rule records and save it."""
    records = [r for r in (ctx.tx.get(RULE_KIND, i) for i in group["_rule_ids"]) if r is not None]
    group["_rule_ids"] = [r["SecurityGroupRuleId"] for r in records]
    group["IpPermissions"] = permissions([r for r in records if not r["IsEgress"]])
    group["IpPermissionsEgress"] = permissions([r for r in records if r["IsEgress"]])
    put_record(ctx, GROUP_KIND, group["GroupId"], group)


def _add_rules(ctx: HandlerContext, group: dict, new: list[dict]) -> None:
    existing = [r for r in (ctx.tx.get(RULE_KIND, i) for i in group["_rule_ids"]) if r is not None]
    seen = {_key(r) for r in existing}
    for rule in new:
        if _key(rule) in seen:
            raise EC2Error("InvalidPermission.Duplicate",
                           f'the specified rule "{_describe_rule(rule)}" already exists')
        seen.add(_key(rule))
    for egress in (False, True):
        count = sum(1 for r in existing + new if r["IsEgress"] == egress)
        if count > RULES_PER_DIRECTION:
            raise EC2Error("RulesPerSecurityGroupLimitExceeded",
                           "The maximum number of rules per security group has been reached.")
    for rule in new:
        put_record(ctx, RULE_KIND, rule["SecurityGroupRuleId"], rule)
        group["_rule_ids"].append(rule["SecurityGroupRuleId"])
    _sync(ctx, group)


def _new_group(ctx: HandlerContext, vpc: dict, name: str, description: str, tags: list[dict]) -> dict:
    group_id = ids.new_id("sg")
    group = {
        "GroupId": group_id,
        "GroupName": name,
        "Description": description,
        "VpcId": vpc["VpcId"],
        "OwnerId": ctx.account,
        "IpPermissions": [],
        "IpPermissionsEgress": [],
        "Tags": tags,
        "SecurityGroupArn": ids.arn(ctx.region, ctx.account, GROUP_KIND, group_id),
        "_rule_ids": [],
    }
    put_record(ctx, GROUP_KIND, group_id, group)
    egress = [_rule(ctx, group, True, "-1", -1, -1, {"CidrIpv4": "0.0.0.0/0"})]
    if vpc.get("Ipv6CidrBlockAssociationSet"):
        egress.append(_rule(ctx, group, True, "-1", -1, -1, {"CidrIpv6": "::/0"}))
    _add_rules(ctx, group, egress)
    return group


# --- groups ----------------------------------------------------------------------------------------------------------

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
        vpc = _vpc(ctx, params["VpcId"])
    else:
        vpc_id = _default_vpc_id(ctx)
        if vpc_id is None:
            raise EC2Error("VPCIdNotSpecified", "No default VPC for this user")
        vpc = _vpc(ctx, vpc_id)
    tags = tags_for(params, GROUP_KIND)
    if _by_name(ctx, vpc["VpcId"], name) is not None:
        raise EC2Error("InvalidGroup.Duplicate",
                       f"The security group '{name}' already exists for VPC '{vpc['VpcId']}'")
    group = _new_group(ctx, vpc, name, description, tags)
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
            group = _by_name(ctx, vpc_id, name) if vpc_id else None
            if group is None:
                suffix = f" in default VPC '{vpc_id}'" if vpc_id else ""
                raise EC2Error("InvalidGroup.NotFound", f"The security group '{name}' does not exist{suffix}")
            named.append(group["GroupId"])
        found = [g for g in found if g["GroupId"] in named]
    found = apply_filters(found, params.get("Filters"), _group_filters(ctx))
    items, token = paginate(found, params)
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


# --- authorize / revoke ----------------------------------------------------------------------------------------------

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
    _add_rules(ctx, group, new)
    return {"Return": True, "SecurityGroupRules": new}


def authorize_security_group_ingress(ctx: HandlerContext, params: dict) -> dict:
    return _authorize(ctx, params, egress=False)


def authorize_security_group_egress(ctx: HandlerContext, params: dict) -> dict:
    return _authorize(ctx, params, egress=True)


def _rule_by_id(ctx: HandlerContext, group: dict, rule_id: str, egress: bool | None) -> dict:
    rule = _RULES.get(ctx, rule_id)
    if rule["GroupId"] != group["GroupId"] or (egress is not None and rule["IsEgress"] != egress):
        raise EC2Error("InvalidSecurityGroupRuleId.NotFound",
                       f"The security group rule ID '{rule_id}' does not exist")
    return rule


def _matches(ctx: HandlerContext, group: dict, egress: bool, permissions_: list[dict]) -> tuple[list, list]:
    """The existing rules that requested permissions name, and the requested permissions that match none."""
    existing = {_key(r): r for r in rules(ctx, group["GroupId"], egress)}
    matched, unknown = [], []
    for permission in permissions_:
        wanted = _rules_of_permissions(ctx, group, egress, [permission])
        hits = [existing[_key(w)] for w in wanted if _key(w) in existing]
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
    _sync(ctx, group)
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


# --- rules: describe / modify ----------------------------------------------------------------------------------------

def describe_security_group_rules(ctx: HandlerContext, params: dict) -> dict:
    items, token = _RULES.describe(ctx, params, "SecurityGroupRuleIds")
    return page("SecurityGroupRules", items, token)


def modify_security_group_rules(ctx: HandlerContext, params: dict) -> dict:
    group = get_group(ctx, params["GroupId"])
    for update in params["SecurityGroupRules"]:
        rule = _rule_by_id(ctx, group, update["SecurityGroupRuleId"], None)
        request = update.get("SecurityGroupRule") or {}
        peer_fields = {
            "CidrIpv4": lambda v: {"CidrIpv4": _cidr(v, 4)},
            "CidrIpv6": lambda v: {"CidrIpv6": _cidr(v, 6)},
            "PrefixListId": lambda v: {"PrefixListId": v},
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
        if any(_key(r) == _key(rule) for r in others):
            raise EC2Error("InvalidPermission.Duplicate", f'the specified rule "{_describe_rule(rule)}" already exists')
        put_record(ctx, RULE_KIND, rule["SecurityGroupRuleId"], rule)
    _sync(ctx, group)
    return {"Return": True}


def _update_descriptions(ctx: HandlerContext, params: dict, egress: bool) -> dict:
    group = _group_by_id_or_default_vpc_name(ctx, params)
    changes: list[tuple[dict, str | None]] = []
    if params.get("SecurityGroupRuleDescriptions"):
        for item in params["SecurityGroupRuleDescriptions"]:
            rule = _rule_by_id(ctx, group, item.get("SecurityGroupRuleId", ""), egress)
            changes.append((rule, item.get("Description")))
    else:
        existing = {_key(r): r for r in rules(ctx, group["GroupId"], egress)}
        for wanted in _rules_of_permissions(ctx, group, egress, params.get("IpPermissions") or []):
            rule = existing.get(_key(wanted))
            if rule is None:
                raise EC2Error("InvalidPermission.NotFound",
                               "The specified rule does not exist in this security group.")
            changes.append((rule, wanted.get("Description")))
    for rule, description in changes:
        rule.pop("Description", None)
        if description:
            rule["Description"] = _text(description, "description")
        put_record(ctx, RULE_KIND, rule["SecurityGroupRuleId"], rule)
    _sync(ctx, group)
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
