"""Network ACLs: each VPC's default ACL (allow all, then deny all, both ways), custom ACLs, their entries, and the one
association every subnet has (to the default ACL unless replaced)."""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import ids
from runnerlink.services.ec2.common import Kind, page, tags_for
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue, dependency_violation

KIND = "network-acl"
LAST_RULE = 32767  # the catch-all deny every ACL ends with; not editable
PROTOCOLS = {"all": "-1", "tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}


def _entries(field: str):
    return lambda r: [e.get(field) for e in r.get("Entries") or []]


def _associations(field: str):
    return lambda r: [a[field] for a in r.get("Associations") or []]


NETWORK_ACL = Kind(
    name=KIND, prefix="acl", id_field="NetworkAclId", code="InvalidNetworkAclID", noun="networkAcl ID",
    filters={
        "network-acl-id": lambda r: r["NetworkAclId"],
        "vpc-id": lambda r: r["VpcId"],
        "default": lambda r: r["IsDefault"],
        "owner-id": lambda r: r["OwnerId"],
        "association.association-id": _associations("NetworkAclAssociationId"),
        "association.network-acl-id": _associations("NetworkAclId"),
        "association.subnet-id": _associations("SubnetId"),
        "entry.cidr": _entries("CidrBlock"),
        "entry.ipv6-cidr": _entries("Ipv6CidrBlock"),
        "entry.egress": _entries("Egress"),
        "entry.protocol": _entries("Protocol"),
        "entry.rule-action": _entries("RuleAction"),
        "entry.rule-number": _entries("RuleNumber"),
        "entry.port-range.from": lambda r: [(e.get("PortRange") or {}).get("From") for e in r.get("Entries") or []],
        "entry.port-range.to": lambda r: [(e.get("PortRange") or {}).get("To") for e in r.get("Entries") or []],
    },
    parent_filter="vpc-id",
)


def _entry(number: int, action: str, egress: bool) -> dict:
    return {"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": action, "RuleNumber": number}


def _sorted(entries: list[dict]) -> list[dict]:
    """AWS lists egress entries first, each direction by rule number."""
    return sorted(entries, key=lambda e: (not e["Egress"], e["RuleNumber"]))


def _new_acl(ctx: HandlerContext, vpc_id: str, default: bool, tags: list[dict]) -> dict:
    entries = [_entry(LAST_RULE, "deny", egress) for egress in (True, False)]
    if default:
        entries += [_entry(100, "allow", egress) for egress in (True, False)]
    return {
        "NetworkAclId": ids.new_id("acl"),
        "VpcId": vpc_id,
        "IsDefault": default,
        "OwnerId": ctx.account,
        "Entries": _sorted(entries),
        "Associations": [],
        "Tags": tags,
    }


# --- the interface other modules use ----------------------------------------------------------------------------------

def create_default_acl(ctx: HandlerContext, vpc: dict) -> dict:
    record = _new_acl(ctx, vpc["VpcId"], default=True, tags=[])
    NETWORK_ACL.put(ctx, record)
    return record


def default_acl(ctx: HandlerContext, vpc_id: str) -> dict | None:
    return next((r for r in NETWORK_ACL.in_vpc(ctx, vpc_id) if r["IsDefault"]), None)


def associate_default(ctx: HandlerContext, subnet: dict) -> None:
    """A new subnet starts associated with its VPC's default ACL."""
    acl = default_acl(ctx, subnet["VpcId"])
    if acl is None:
        return
    acl["Associations"].append({"NetworkAclAssociationId": ids.new_id("aclassoc"),
                                "NetworkAclId": acl["NetworkAclId"], "SubnetId": subnet["SubnetId"]})
    NETWORK_ACL.put(ctx, acl)


def forget_subnet(ctx: HandlerContext, subnet_id: str) -> None:
    """A deleted subnet's association goes with it."""
    for acl in NETWORK_ACL.all(ctx):
        kept = [a for a in acl["Associations"] if a["SubnetId"] != subnet_id]
        if len(kept) != len(acl["Associations"]):
            acl["Associations"] = kept
            NETWORK_ACL.put(ctx, acl)


def custom_acl_ids(ctx: HandlerContext, vpc_id: str) -> list[str]:
    return [r["NetworkAclId"] for r in NETWORK_ACL.in_vpc(ctx, vpc_id) if not r["IsDefault"]]


def delete_for_vpc(ctx: HandlerContext, vpc_id: str) -> None:
    """DeleteVpc takes the default ACL with it."""
    for acl in NETWORK_ACL.in_vpc(ctx, vpc_id):
        ctx.tx.delete(KIND, acl["NetworkAclId"])


# --- ACLs -------------------------------------------------------------------------------------------------------------

def describe_network_acls(ctx: HandlerContext, params: dict) -> dict:
    items, token = NETWORK_ACL.describe(ctx, params, "NetworkAclIds")
    return page("NetworkAcls", items, token)


def create_network_acl(ctx: HandlerContext, params: dict) -> dict:
    from runnerlink.services.ec2 import vpcs

    vpc = vpcs.get_vpc(ctx, params["VpcId"])
    record = _new_acl(ctx, vpc["VpcId"], default=False, tags=tags_for(params, "network-acl"))
    NETWORK_ACL.put(ctx, record)
    return {"NetworkAcl": record, **({"ClientToken": params["ClientToken"]} if params.get("ClientToken") else {})}


def delete_network_acl(ctx: HandlerContext, params: dict) -> dict:
    acl = NETWORK_ACL.get(ctx, params["NetworkAclId"])
    if acl["IsDefault"]:
        raise InvalidParameterValue(f"cannot delete default network ACL {acl['NetworkAclId']}")
    if acl["Associations"]:
        raise dependency_violation(acl["NetworkAclId"])
    ctx.tx.delete(KIND, acl["NetworkAclId"])
    return {}


def replace_network_acl_association(ctx: HandlerContext, params: dict) -> dict:
    """Moves a subnet's association to another ACL of the same VPC; the association gets a new id."""
    association_id = params["AssociationId"]
    target = NETWORK_ACL.get(ctx, params["NetworkAclId"])
    current = next((acl for acl in NETWORK_ACL.all(ctx)
                    if any(a["NetworkAclAssociationId"] == association_id for a in acl["Associations"])), None)
    if current is None:
        raise EC2Error("InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist")
    if current["VpcId"] != target["VpcId"]:
        raise InvalidParameterValue(f"Network ACL {target['NetworkAclId']} and association {association_id} "
                                    f"belong to different networks")
    association = next(a for a in current["Associations"] if a["NetworkAclAssociationId"] == association_id)
    current["Associations"].remove(association)
    NETWORK_ACL.put(ctx, current)
    if current["NetworkAclId"] == target["NetworkAclId"]:
        target = current
    new_id = ids.new_id("aclassoc")
    target["Associations"].append({"NetworkAclAssociationId": new_id, "NetworkAclId": target["NetworkAclId"],
                                   "SubnetId": association["SubnetId"]})
    NETWORK_ACL.put(ctx, target)
    return {"NewAssociationId": new_id}


# --- entries ----------------------------------------------------------------------------------------------------------

def _rule_number(params: dict) -> int:
    number = params["RuleNumber"]
    if not 1 <= number <= LAST_RULE - 1:
        raise InvalidParameterValue(f"Value ({number}) for parameter ruleNumber is invalid. "
                                    f"Rule number must be between 1 and {LAST_RULE - 1}.")
    return number


def _protocol(value: str) -> str:
    protocol = PROTOCOLS.get(value.lower(), value)
    if protocol != "-1" and not (protocol.isdigit() and 0 <= int(protocol) <= 255):
        raise InvalidParameterValue(f"Invalid value '{value}' for IP protocol. Unknown protocol.")
    return protocol


def _cidr(params: dict) -> dict:
    if params.get("CidrBlock") and params.get("Ipv6CidrBlock"):
        raise EC2Error("InvalidParameterCombination", "Only one of cidrBlock or ipv6CidrBlock may be specified.")
    for field, version in (("CidrBlock", 4), ("Ipv6CidrBlock", 6)):
        if params.get(field):
            try:
                network = ipaddress.ip_network(params[field], strict=False)
            except ValueError:
                network = None
            if network is None or network.version != version:
                raise InvalidParameterValue(f"Value ({params[field]}) for parameter {field[0].lower()}{field[1:]} "
                                            f"is invalid. This is not a valid CIDR block.")
            return {field: str(network)}
    raise EC2Error("MissingParameter", "Either 'cidrBlock' or 'ipv6CidrBlock' should be provided.")


def _new_entry(params: dict) -> dict:
    protocol = _protocol(params["Protocol"])
    entry = {**_cidr(params), "Egress": params["Egress"], "Protocol": protocol, "RuleAction": params["RuleAction"],
             "RuleNumber": _rule_number(params)}
    if protocol in ("6", "17"):
        if not params.get("PortRange"):
            raise EC2Error("MissingParameter", "The request must contain the parameter portRange")
        entry["PortRange"] = params["PortRange"]
    if protocol in ("1", "58"):
        if not params.get("IcmpTypeCode"):
            raise EC2Error("MissingParameter", "The request must contain the parameter icmpTypeCode")
        entry["IcmpTypeCode"] = params["IcmpTypeCode"]
    return entry


def _find_entry(acl: dict, number: int, egress: bool) -> dict | None:
    return next((e for e in acl["Entries"] if e["RuleNumber"] == number and e["Egress"] == egress), None)


def _entry_not_found(number: int, egress: bool) -> EC2Error:
    return EC2Error("InvalidNetworkAclEntry.NotFound",
                    f"The network acl entry identified by {number} for egress={str(egress).lower()} does not exist")


def create_network_acl_entry(ctx: HandlerContext, params: dict) -> dict:
    acl = NETWORK_ACL.get(ctx, params["NetworkAclId"])
    entry = _new_entry(params)
    if _find_entry(acl, entry["RuleNumber"], entry["Egress"]) is not None:
        raise EC2Error("NetworkAclEntryAlreadyExists",
                       f"The network acl entry identified by {entry['RuleNumber']} already exists.")
    acl["Entries"] = _sorted(acl["Entries"] + [entry])
    NETWORK_ACL.put(ctx, acl)
    return {}


def replace_network_acl_entry(ctx: HandlerContext, params: dict) -> dict:
    acl = NETWORK_ACL.get(ctx, params["NetworkAclId"])
    entry = _new_entry(params)
    old = _find_entry(acl, entry["RuleNumber"], entry["Egress"])
    if old is None:
        raise _entry_not_found(entry["RuleNumber"], entry["Egress"])
    acl["Entries"] = _sorted([e for e in acl["Entries"] if e is not old] + [entry])
    NETWORK_ACL.put(ctx, acl)
    return {}


def delete_network_acl_entry(ctx: HandlerContext, params: dict) -> dict:
    acl = NETWORK_ACL.get(ctx, params["NetworkAclId"])
    number, egress = params["RuleNumber"], params["Egress"]
    old = _find_entry(acl, number, egress) if number != LAST_RULE else None
    if old is None:
        raise _entry_not_found(number, egress)
    acl["Entries"] = [e for e in acl["Entries"] if e is not old]
    NETWORK_ACL.put(ctx, acl)
    return {}


HANDLERS = {
    "DescribeNetworkAcls": describe_network_acls,
    "CreateNetworkAcl": create_network_acl,
    "DeleteNetworkAcl": delete_network_acl,
    "ReplaceNetworkAclAssociation": replace_network_acl_association,
    "CreateNetworkAclEntry": create_network_acl_entry,
    "ReplaceNetworkAclEntry": replace_network_acl_entry,
    "DeleteNetworkAclEntry": delete_network_acl_entry,
}
READ_ONLY = {"DescribeNetworkAcls"}
