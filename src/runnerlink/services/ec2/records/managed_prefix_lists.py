"""Managed prefix lists: the customer's own ("prefix-list" records) beside the AWS-managed ones of records.prefix_lists,
one id space for both.

A customer record is a ManagedPrefixList shape plus internal fields: _versions (the entries of every version, oldest
first: version N is _versions[N-1], each a list of {Cidr, Description}), _change ("create", "modify" or "restore":
what the last change was) and _changed_at (when it began; the state is "<change>-in-progress" for
ctx.lifecycle_delay after it, then "<change>-complete"), _deleting_at ("delete-in-progress" for one delay, then
"delete-complete" for one more, then gone), _client_token and _request (for idempotent retries).

References (routes whose destination is a list, security group rules whose peer is one) are read from the route
table and rule records by kind name: the security group records import this module (a rule's weight in its group's
quota is the list's MaxEntries), so it imports neither of them.
"""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import finished, is_gone
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.ids import is_well_formed
from runnerlink.services.ec2.records.kind import Kind, put_record
from runnerlink.services.ec2.records.prefix_lists import prefix_lists

KIND = "prefix-list"
AWS_OWNER = "AWS"
_ROUTE_TABLE_KIND = "route-table"
_RULE_KIND = "security-group-rule"

MANAGED_PREFIX_LIST = Kind(
    name=KIND, prefix="pl", id_field="PrefixListId", code="InvalidPrefixListID", noun="prefix list ID",
    filters={
        "prefix-list-id": lambda r: r["PrefixListId"],
        "prefix-list-name": lambda r: r["PrefixListName"],
        "owner-id": lambda r: r["OwnerId"],
    },
)


def malformed(prefix_list_id: str) -> EC2Error:
    return EC2Error("InvalidPrefixListId.Malformed", f'Invalid id: "{prefix_list_id}" (expecting "pl-...")')


def prefix_list_not_found(prefix_list_id: str) -> EC2Error:
    # AWS's wording, as a CLI transcript shows it.
    return EC2Error("InvalidPrefixListID.NotFound", f"The prefix list ({prefix_list_id}) does not exist.")


def state(ctx: HandlerContext, record: dict) -> str:
    deleting_at = record.get("_deleting_at")
    if deleting_at is not None:
        return "delete-complete" if finished(ctx, deleting_at, ctx.lifecycle_delay) else "delete-in-progress"
    done = finished(ctx, record["_changed_at"], ctx.lifecycle_delay)
    return f"{record['_change']}-{'complete' if done else 'in-progress'}"


def view(ctx: HandlerContext, record: dict) -> dict:
    """The list as DescribeManagedPrefixLists shows it."""
    return {k: v for k, v in record.items() if not k.startswith("_")} | {"State": state(ctx, record)}


def aws_managed(ctx: HandlerContext) -> list[dict]:
    """The region's AWS-managed lists as ManagedPrefixList shapes (with their CIDRs under "_cidrs")."""
    return [{
        "PrefixListId": p["PrefixListId"],
        "AddressFamily": "IPv4",
        "State": "create-complete",
        "PrefixListArn": f"arn:aws:ec2:{ctx.region}:aws:prefix-list/{p['PrefixListId']}",
        "PrefixListName": p["PrefixListName"],
        "MaxEntries": len(p["Cidrs"]),
        "Version": 1,
        "Tags": [],
        "OwnerId": AWS_OWNER,
        "_cidrs": list(p["Cidrs"]),
    } for p in prefix_lists(ctx.region)]


def find_customer(ctx: HandlerContext, prefix_list_id: str) -> dict | None:
    """The account's own list (as stored), unless it is gone; None for AWS-managed or unknown ids."""
    return MANAGED_PREFIX_LIST.find(ctx, prefix_list_id)


def find_any(ctx: HandlerContext, prefix_list_id: str) -> dict | None:
    """The list by id, customer-managed (as stored) or AWS-managed; None when unknown."""
    record = find_customer(ctx, prefix_list_id)
    if record is not None:
        return record
    return next((p for p in aws_managed(ctx) if p["PrefixListId"] == prefix_list_id), None)


def get_any(ctx: HandlerContext, prefix_list_id: str) -> dict:
    """find_any, or AWS's Malformed / NotFound error."""
    if not is_well_formed(prefix_list_id, "pl"):
        raise malformed(prefix_list_id)
    record = find_any(ctx, prefix_list_id)
    if record is None:
        raise prefix_list_not_found(prefix_list_id)
    return record


def referable(ctx: HandlerContext, prefix_list_id: str) -> dict:
    """A list a new route or security group rule may name: it exists and is not being deleted."""
    record = get_any(ctx, prefix_list_id)
    if record.get("_deleting_at") is not None:
        raise prefix_list_not_found(prefix_list_id)
    return record


def entries(record: dict, version: int | None = None) -> list[dict]:
    """The entries ({Cidr, Description?}) of a version (the current one by default; the caller checks the number)."""
    if "_cidrs" in record:  # AWS-managed
        return [{"Cidr": c} for c in record["_cidrs"]]
    versions = record["_versions"]
    return [dict(e) for e in versions[(version or record["Version"]) - 1]]


def cidrs_by_list(ctx: HandlerContext) -> dict[str, tuple[str, ...]]:
    """Every customer list of the account and region that routes and rules can use: id → its current CIDRs."""
    return {r["PrefixListId"]: tuple(e["Cidr"] for e in entries(r)) for r in MANAGED_PREFIX_LIST.all(ctx)
            if r.get("_deleting_at") is None}


def rule_weight(ctx: HandlerContext, prefix_list_id: str) -> int:
    """How many rules of its group's quota a rule referencing the list counts as: the list's MaxEntries (AWS's rule,
    for AWS-managed lists too); one for an unknown list."""
    record = find_any(ctx, prefix_list_id) if is_well_formed(prefix_list_id, "pl") else None
    return int(record["MaxEntries"]) if record is not None else 1


def associations(ctx: HandlerContext, prefix_list_id: str) -> list[dict]:
    """The route tables and security groups that reference the list (each once), as PrefixListAssociations."""
    found: dict[str, dict] = {}
    for table in ctx.tx.scan(_ROUTE_TABLE_KIND):
        if any(r.get("DestinationPrefixListId") == prefix_list_id for r in table.get("Routes") or []):
            found.setdefault(table["RouteTableId"], {"ResourceId": table["RouteTableId"],
                                                     "ResourceOwner": table.get("OwnerId", ctx.account)})
    for rule in ctx.tx.scan(_RULE_KIND):
        if rule.get("PrefixListId") == prefix_list_id:
            found.setdefault(rule["GroupId"], {"ResourceId": rule["GroupId"],
                                               "ResourceOwner": rule.get("GroupOwnerId", ctx.account)})
    return list(found.values())


def save(ctx: HandlerContext, record: dict) -> None:
    put_record(ctx, KIND, record["PrefixListId"], record)


def purge(ctx: HandlerContext) -> None:
    """Forget lists whose deletion is long over (keeps scans proportional to live lists)."""
    for record in ctx.tx.scan(KIND):
        if is_gone(ctx, record):
            ctx.tx.delete(KIND, record["PrefixListId"])
