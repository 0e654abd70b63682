"""Network ACLs: each VPC's default ACL (allow all, then deny all, both ways), custom ACLs, and the one association
every subnet has (to the default ACL unless replaced)."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.ids import new_id
from runnerlink.services.ec2.records.kind import Kind

LAST_RULE = 32767  # the catch-all deny every ACL ends with; not editable


def _entries(field: str):
    return lambda r: [e.get(field) for e in r.get("Entries") or []]


def _associations(field: str):
    return lambda r: [a[field] for a in r.get("Associations") or []]


NETWORK_ACL = Kind(
    name="network-acl", prefix="acl", id_field="NetworkAclId", code="InvalidNetworkAclID", noun="networkAcl ID",
    malformed_code="InvalidNetworkAclId.Malformed",
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


def _entry(number: int, action: str, egress: bool, ipv6: bool = False) -> dict:
    cidr = {"Ipv6CidrBlock": "::/0"} if ipv6 else {"CidrBlock": "0.0.0.0/0"}
    return {**cidr, "Egress": egress, "Protocol": "-1", "RuleAction": action, "RuleNumber": number}


def _ipv6_entries(default: bool) -> list[dict]:
    """What AWS adds for IPv6 once the VPC has an IPv6 block: the final deny for ::/0, and in the default ACL an allow
    of all IPv6 traffic (rule 101) in both directions."""
    entries = [_entry(LAST_RULE, "deny", egress, ipv6=True) for egress in (True, False)]
    if default:
        entries += [_entry(101, "allow", egress, ipv6=True) for egress in (True, False)]
    return entries


def add_ipv6_entries(ctx: HandlerContext, vpc_id: str) -> None:
    """The VPC got an IPv6 block: every ACL of it without IPv6 entries gets AWS's."""
    for acl in NETWORK_ACL.in_vpc(ctx, vpc_id):
        if not any(e.get("Ipv6CidrBlock") for e in acl["Entries"]):
            acl["Entries"] = sorted_entries(acl["Entries"] + _ipv6_entries(acl["IsDefault"]))
            NETWORK_ACL.put(ctx, acl)


def sorted_entries(entries: list[dict]) -> list[dict]:
    """AWS lists egress entries first, each direction by rule number (IPv4 before IPv6 for the same number)."""
    return sorted(entries, key=lambda e: (not e["Egress"], e["RuleNumber"], "Ipv6CidrBlock" in e))


def new_acl(ctx: HandlerContext, vpc_id: str, default: bool, tags: list[dict], ipv6: bool = False) -> dict:
    entries = [_entry(LAST_RULE, "deny", egress) for egress in (True, False)]
    if default:
        entries += [_entry(100, "allow", egress) for egress in (True, False)]
    if ipv6:
        entries += _ipv6_entries(default)
    return {
        "NetworkAclId": new_id("acl"),
        "VpcId": vpc_id,
        "IsDefault": default,
        "OwnerId": ctx.account,
        "Entries": sorted_entries(entries),
        "Associations": [],
        "Tags": tags,
    }


def create_default_acl(ctx: HandlerContext, vpc: dict) -> dict:
    record = new_acl(ctx, vpc["VpcId"], default=True, tags=[], ipv6=bool(vpc.get("Ipv6CidrBlockAssociationSet")))
    NETWORK_ACL.put(ctx, record)
    return record


def default_acl(ctx: HandlerContext, vpc_id: str) -> dict | None:
    return next((r for r in NETWORK_ACL.in_vpc(ctx, vpc_id) if r["IsDefault"]), None)


def associate_default(ctx: HandlerContext, subnet: dict) -> None:
    """A new subnet starts associated with its VPC's default ACL."""
    acl = default_acl(ctx, subnet["VpcId"])
    if acl is None:
        return
    acl["Associations"].append({"NetworkAclAssociationId": new_id("aclassoc"),
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
        ctx.tx.delete(NETWORK_ACL.name, acl["NetworkAclId"])
