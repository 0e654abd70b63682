"""Network ACLs: create, delete, replace a subnet's association, and the entries of each ACL."""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue, dependency_violation
from runnerlink.services.ec2.ids import new_id
from runnerlink.services.ec2.records.kind import page
from runnerlink.services.ec2.records.network_acls import LAST_RULE, NETWORK_ACL, new_acl, sorted_entries
from runnerlink.services.ec2.records.tags import tags_for
from runnerlink.services.ec2.records.vpcs import get_vpc

PROTOCOLS = {"all": "-1", "tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}


# --- ACLs -------------------------------------------------------------------------------------------------------------

def describe_network_acls(ctx: HandlerContext, params: dict) -> dict:
    items, token = NETWORK_ACL.describe(ctx, params, "NetworkAclIds")
    return page("NetworkAcls", items, token)


def create_network_acl(ctx: HandlerContext, params: dict) -> dict:
    vpc = get_vpc(ctx, params["VpcId"])
    record = new_acl(ctx, vpc["VpcId"], default=False, tags=tags_for(params, "network-acl"),
                     ipv6=bool(vpc.get("Ipv6CidrBlockAssociationSet")))
    NETWORK_ACL.put(ctx, record)
    return {"NetworkAcl": record, **({"ClientToken": params["ClientToken"]} if params.get("ClientToken") else {})}


def delete_network_acl(ctx: HandlerContext, params: dict) -> dict:
    acl = NETWORK_ACL.get(ctx, params["NetworkAclId"])
    if acl["IsDefault"]:
        raise InvalidParameterValue(f"cannot delete default network ACL {acl['NetworkAclId']}")
    if acl["Associations"]:
        raise dependency_violation(acl["NetworkAclId"])
    ctx.tx.delete(NETWORK_ACL.name, acl["NetworkAclId"])
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
    replacement_id = new_id("aclassoc")
    target["Associations"].append({"NetworkAclAssociationId": replacement_id, "NetworkAclId": target["NetworkAclId"],
                                   "SubnetId": association["SubnetId"]})
    NETWORK_ACL.put(ctx, target)
    return {"NewAssociationId": replacement_id}


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
    acl["Entries"] = sorted_entries(acl["Entries"] + [entry])
    NETWORK_ACL.put(ctx, acl)
    return {}


def replace_network_acl_entry(ctx: HandlerContext, params: dict) -> dict:
    acl = NETWORK_ACL.get(ctx, params["NetworkAclId"])
    entry = _new_entry(params)
    old = _find_entry(acl, entry["RuleNumber"], entry["Egress"])
    if old is None:
        raise _entry_not_found(entry["RuleNumber"], entry["Egress"])
    acl["Entries"] = sorted_entries([e for e in acl["Entries"] if e is not old] + [entry])
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
