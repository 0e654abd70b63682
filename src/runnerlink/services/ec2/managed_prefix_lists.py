"""Managed prefix lists: CreateManagedPrefixList, ModifyManagedPrefixList, RestoreManagedPrefixListVersion,
DeleteManagedPrefixList, DescribeManagedPrefixLists, GetManagedPrefixListEntries, GetManagedPrefixListAssociations.

The customer's lists are versioned: every change of the entries (a modify or a restore) makes version N+1, and a
stale CurrentVersion is PrefixListVersionMismatch. AWS-managed lists (com.amazonaws.<region>.s3 …) are described
beside them and can't be changed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import paginate
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue
from runnerlink.services.ec2.ids import arn, new_id
from runnerlink.services.ec2.records.filters import apply_filters
from runnerlink.services.ec2.records.kind import bad_token, page
from runnerlink.services.ec2.records.managed_prefix_lists import (
    KIND,
    MANAGED_PREFIX_LIST,
    associations,
    aws_managed,
    entries,
    get_any,
    purge,
    save,
    state,
    view,
)
from runnerlink.services.ec2.records.security_groups import RULES_PER_DIRECTION, quota_used, rules
from runnerlink.services.ec2.records.tags import tags_for

MAX_ENTRIES = 1000  # AWS's quota of entries per prefix list
PREFIX_LISTS_PER_REGION = 100  # AWS's default quota of customer-managed lists
ENTRIES_PER_REQUEST = 100
_RESERVED_NAMES = ("com.amazonaws.", "com.amazon.", "com.aws.")
_FAMILIES = {"ipv4": ("IPv4", 4), "ipv6": ("IPv6", 6)}
_PAGE = 100  # DescribeManagedPrefixLists and the Get* calls answer at most 100 items a page


def _family(value: str) -> tuple[str, int]:
    family = _FAMILIES.get((value or "").lower())
    if family is None:
        raise InvalidParameterValue(f"Value ({value}) for parameter addressFamily is invalid. Valid values are "
                                    "IPv4 and IPv6.")
    return family


def _name(value: str | None) -> str:
    if not value or len(value) > 255:
        raise InvalidParameterValue("The prefix list name must be between 1 and 255 characters.")
    if value.startswith(_RESERVED_NAMES):
        raise InvalidParameterValue("The prefix list name cannot begin with (com.amazonaws., com.amazon., com.aws.).")
    return value


def _max_entries(value: int) -> int:
    if not 1 <= value <= MAX_ENTRIES:
        raise InvalidParameterValue(f"The maximum number of entries ({value}) must be between 1 and {MAX_ENTRIES}.")
    return value


def _cidr(value: str | None, version: int) -> str:
    try:
        network = ipaddress.ip_network(value or "", strict=True)
        if network.version != version or "/" not in (value or ""):
            raise ValueError
    except ValueError:
        raise InvalidParameterValue(f"The CIDR ({value}) is not a valid IPv{version} CIDR block for this prefix "
                                    "list.") from None
    return str(network)  # AWS answers IPv6 CIDRs in their compressed, lower-case form


def _entries(requested: list[dict] | None, version: int, what: str) -> list[dict]:
    """Requested entries, checked and normalized: valid CIDRs of the family, no CIDR twice."""
    requested = requested or []
    if len(requested) > ENTRIES_PER_REQUEST:
        raise InvalidParameterValue(f"The request cannot contain more than {ENTRIES_PER_REQUEST} entry additions or "
                                    "removals.")
    found: dict[str, dict] = {}
    for item in requested:
        cidr = _cidr(item.get("Cidr"), version)
        if cidr in found:
            raise InvalidParameterValue(f"The request cannot contain Cidr {cidr} more than once in {what}.")
        entry = {"Cidr": cidr}
        description = item.get("Description")
        if description is not None:
            if len(description) > 255:
                raise InvalidParameterValue("The description of a prefix list entry can have up to 255 characters.")
            entry["Description"] = description
        found[cidr] = entry
    return list(found.values())


def _too_many(count: int, limit: int) -> EC2Error:
    return EC2Error("PrefixListMaxEntriesExceeded", f"The prefix list would have {count} entries, more than its "
                                                    f"maximum of {limit}.")


def _fingerprint(params: dict) -> str:
    request = json.dumps({k: v for k, v in params.items() if k not in ("ClientToken", "DryRun")}, sort_keys=True,
                         default=str)
    return hashlib.sha256(request.encode()).hexdigest()


def _replay(ctx: HandlerContext, params: dict) -> dict | None:
    token = params.get("ClientToken")
    if not token:
        return None
    for record in ctx.tx.scan(KIND):
        if record.get("_client_token") == token:
            if record.get("_request") != _fingerprint(params):
                raise EC2Error("IdempotentParameterMismatch", f"The client token '{token}' was already used with "
                                                              "different parameters.")
            return {"PrefixList": view(ctx, record)}
    return None


def create_managed_prefix_list(ctx: HandlerContext, params: dict) -> dict:
    replayed = _replay(ctx, params)
    if replayed is not None:
        return replayed
    purge(ctx)
    name = _name(params.get("PrefixListName"))
    family, version = _family(params.get("AddressFamily"))
    limit = _max_entries(params["MaxEntries"])
    first = _entries(params.get("Entries"), version, "Entries")
    if len(first) > limit:
        raise _too_many(len(first), limit)
    tags = tags_for(params, KIND)
    if len(MANAGED_PREFIX_LIST.all(ctx)) >= PREFIX_LISTS_PER_REGION:
        raise EC2Error("PrefixListLimitExceeded", f"The maximum number of prefix lists ({PREFIX_LISTS_PER_REGION}) "
                                                  "in this region has been reached.")
    prefix_list_id = new_id("pl")
    record = {
        "PrefixListId": prefix_list_id,
        "AddressFamily": family,
        "PrefixListArn": arn(ctx.region, ctx.account, KIND, prefix_list_id),
        "PrefixListName": name,
        "MaxEntries": limit,
        "Version": 1,
        "Tags": tags,
        "OwnerId": ctx.account,
        "_versions": [first],
        "_change": "create",
        "_changed_at": ctx.now,
        "_client_token": params.get("ClientToken"),
        "_request": _fingerprint(params),
    }
    save(ctx, record)
    return {"PrefixList": view(ctx, record)}


def _changeable(ctx: HandlerContext, prefix_list_id: str, verb: str) -> dict:
    """The customer's list, when it can be changed now."""
    record = get_any(ctx, prefix_list_id)
    if "_cidrs" in record:
        # AWS's code for this is not known; the list is owned by AWS, not the caller.
        raise EC2Error("UnauthorizedOperation", f"The prefix list {prefix_list_id} is managed by AWS and cannot be "
                                                f"{verb}.", status=403)
    current = state(ctx, record)
    if record.get("_deleting_at") is not None or current.endswith("-in-progress"):
        raise EC2Error("IncorrectState", f"The prefix list {prefix_list_id} is in the current state ({current}) and "
                                         f"cannot be {verb}.")
    return record


def _check_version(record: dict, current_version: int | None) -> None:
    if current_version is not None and current_version != record["Version"]:
        raise EC2Error("PrefixListVersionMismatch", "The prefix list has the incorrect version number.")


def _new_version(ctx: HandlerContext, record: dict, new_entries: list[dict], change: str) -> None:
    if len(new_entries) > record["MaxEntries"]:
        raise _too_many(len(new_entries), record["MaxEntries"])
    record["_versions"] = record["_versions"] + [new_entries]
    record["Version"] = len(record["_versions"])
    record.update(_change=change, _changed_at=ctx.now)


def _modified_entries(record: dict, params: dict) -> list[dict]:
    """The current entries with RemoveEntries taken out and AddEntries put in."""
    version = _FAMILIES[record["AddressFamily"].lower()][1]
    add = _entries(params.get("AddEntries"), version, "AddPrefixListEntries")
    remove = [e["Cidr"] for e in _entries(params.get("RemoveEntries"), version, "RemovePrefixListEntries")]
    both = {e["Cidr"] for e in add} & set(remove)
    if both:
        raise InvalidParameterValue(f"Request cannot contain Cidr {sorted(both)[0]} in both AddPrefixListEntries and "
                                    "RemovePrefixListEntries")
    current = {e["Cidr"]: e for e in entries(record)}
    for cidr in remove:
        if cidr not in current:
            raise EC2Error("InvalidPrefixListModification", f"The entry {cidr} does not exist.")
        del current[cidr]
    for entry in add:
        existing = current.get(entry["Cidr"])
        if existing is not None:
            described = f" and description ({existing['Description']})" if "Description" in existing else ""
            raise EC2Error("InvalidPrefixListModification",
                           f"An entry with the CIDR ({entry['Cidr']}){described} already exists.")
        current[entry["Cidr"]] = entry
    return list(current.values())


def _resize(ctx: HandlerContext, record: dict, limit: int) -> None:
    limit = _max_entries(limit)
    count = len(entries(record))
    if limit < count:
        raise InvalidParameterValue(f"The maximum number of entries ({limit}) is less than the number of entries in "
                                    f"the prefix list ({count}).")
    # A group referencing the list counts it as MaxEntries rules: a size one of its groups can't hold is refused
    # here (AWS reports such resources in the state message of a failed modify instead).
    prefix_list_id = record["PrefixListId"]
    for association in associations(ctx, prefix_list_id):
        group_id = association["ResourceId"]
        if group_id.startswith("sg-") and any(
                quota_used(ctx, rules(ctx, group_id, egress), {prefix_list_id: limit}) > RULES_PER_DIRECTION
                for egress in (False, True)):
            raise EC2Error("RulesPerSecurityGroupLimitExceeded",
                           f"The prefix list {prefix_list_id} can't be resized to {limit} entries: security group "
                           f"{group_id} references it and would exceed the maximum number of rules per security "
                           "group.")
    record["MaxEntries"] = limit
    record.update(_change="modify", _changed_at=ctx.now)


def modify_managed_prefix_list(ctx: HandlerContext, params: dict) -> dict:
    record = _changeable(ctx, params["PrefixListId"], "modified")
    changes_entries = bool(params.get("AddEntries") or params.get("RemoveEntries"))
    if changes_entries and params.get("MaxEntries") is not None:
        raise EC2Error("InvalidParameterCombination", "You cannot modify the entries and the maximum entries for "
                                                      "the prefix list in the same request.")
    _check_version(record, params.get("CurrentVersion"))
    # Everything is checked before anything changes.
    name = _name(params["PrefixListName"]) if params.get("PrefixListName") is not None else None
    new_entries = _modified_entries(record, params) if changes_entries else None
    if changes_entries:
        _new_version(ctx, record, new_entries, "modify")
    elif params.get("MaxEntries") is not None:
        _resize(ctx, record, params["MaxEntries"])
    if name is not None:
        record["PrefixListName"] = name
        record.update(_change="modify", _changed_at=ctx.now)
    save(ctx, record)
    return {"PrefixList": view(ctx, record)}


def restore_managed_prefix_list_version(ctx: HandlerContext, params: dict) -> dict:
    record = _changeable(ctx, params["PrefixListId"], "restored")
    _check_version(record, params["CurrentVersion"])
    previous = params["PreviousVersion"]
    if not 1 <= previous < record["Version"]:
        raise InvalidParameterValue(f"The version ({previous}) to restore must be an earlier version of the prefix "
                                    f"list (1 to {record['Version'] - 1}).")
    _new_version(ctx, record, entries(record, previous), "restore")
    save(ctx, record)
    return {"PrefixList": view(ctx, record)}


def delete_managed_prefix_list(ctx: HandlerContext, params: dict) -> dict:
    prefix_list_id = params["PrefixListId"]
    record = _changeable(ctx, prefix_list_id, "deleted")
    users = associations(ctx, prefix_list_id)
    if users:
        # AWS's code for this case is not known; EC2 answers DependencyViolation for other resources still in use.
        raise EC2Error("DependencyViolation", f"The prefix list {prefix_list_id} has dependencies and cannot be "
                                              f"deleted: it is referenced by "
                                              f"{', '.join(a['ResourceId'] for a in users[:10])}.")
    record.update(_deleting_at=ctx.now, _gone_at=ctx.now + 2 * ctx.lifecycle_delay)
    save(ctx, record)
    return {"PrefixList": view(ctx, record)}


def _every_list(ctx: HandlerContext) -> list[dict]:
    """The AWS-managed lists, then the account's, as DescribeManagedPrefixLists shows them."""
    return [{k: v for k, v in p.items() if k != "_cidrs"} for p in aws_managed(ctx)] + \
        [view(ctx, r) for r in MANAGED_PREFIX_LIST.all(ctx)]


def describe_managed_prefix_lists(ctx: HandlerContext, params: dict) -> dict:
    found = _every_list(ctx)
    wanted = params.get("PrefixListIds")
    if wanted:
        by_id = {p["PrefixListId"]: p for p in found}
        for prefix_list_id in wanted:
            get_any(ctx, prefix_list_id)  # Malformed / NotFound
        found = [by_id[i] for i in dict.fromkeys(wanted)]
    found = apply_filters(found, params.get("Filters"), MANAGED_PREFIX_LIST.filters)
    items, token = paginate(found, params, bad_token, _PAGE)
    return page("PrefixLists", items, token)


def get_managed_prefix_list_entries(ctx: HandlerContext, params: dict) -> dict:
    record = get_any(ctx, params["PrefixListId"])
    target = params.get("TargetVersion")
    if target is not None and not 1 <= target <= record["Version"]:
        raise InvalidParameterValue(f"The version ({target}) of prefix list {record['PrefixListId']} does not exist: "
                                    f"its versions are 1 to {record['Version']}.")
    items, token = paginate(entries(record, target), params, bad_token, _PAGE)
    return page("Entries", items, token)


def get_managed_prefix_list_associations(ctx: HandlerContext, params: dict) -> dict:
    record = get_any(ctx, params["PrefixListId"])
    items, token = paginate(associations(ctx, record["PrefixListId"]), params, bad_token, _PAGE)
    return page("PrefixListAssociations", items, token)


HANDLERS = {
    "CreateManagedPrefixList": create_managed_prefix_list,
    "ModifyManagedPrefixList": modify_managed_prefix_list,
    "RestoreManagedPrefixListVersion": restore_managed_prefix_list_version,
    "DeleteManagedPrefixList": delete_managed_prefix_list,
    "DescribeManagedPrefixLists": describe_managed_prefix_lists,
    "GetManagedPrefixListEntries": get_managed_prefix_list_entries,
    "GetManagedPrefixListAssociations": get_managed_prefix_list_associations,
}
READ_ONLY = {"DescribeManagedPrefixLists", "GetManagedPrefixListEntries", "GetManagedPrefixListAssociations"}
