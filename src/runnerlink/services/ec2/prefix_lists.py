"""DescribePrefixLists: the AWS-managed lists only (managed_prefix_lists has the customer's). Only the
gateway-endpoint services (S3, DynamoDB) have a prefix list, so DescribePrefixLists for an interface service's name is
an empty answer (Terraform asks for every endpoint)."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import paginate
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.ids import is_well_formed
from runnerlink.services.ec2.records.filters import apply_filters
from runnerlink.services.ec2.records.kind import MAX_RESULTS, bad_token, page
from runnerlink.services.ec2.records.prefix_lists import prefix_lists

_FILTERS = {
    "prefix-list-id": lambda p: p["PrefixListId"],
    "prefix-list-name": lambda p: p["PrefixListName"],
}


def _named(region: str, wanted: list[str] | None) -> list[dict]:
    """All lists, or those named by id (every id must exist)."""
    found = prefix_lists(region)
    if not wanted:
        return found
    by_id = {p["PrefixListId"]: p for p in found}
    for prefix_list_id in wanted:
        if not is_well_formed(prefix_list_id, "pl"):
            raise EC2Error("InvalidPrefixListId.Malformed", f'Invalid id: "{prefix_list_id}" (expecting "pl-...")')
        if prefix_list_id not in by_id:
            raise EC2Error("InvalidPrefixListID.NotFound", f"The prefix list ID '{prefix_list_id}' does not exist")
    return [by_id[i] for i in dict.fromkeys(wanted)]


def describe_prefix_lists(ctx: HandlerContext, params: dict) -> dict:
    found = apply_filters(_named(ctx.region, params.get("PrefixListIds")), params.get("Filters"), _FILTERS)
    items, token = paginate(found, params, bad_token, MAX_RESULTS)
    return page("PrefixLists", items, token)


HANDLERS = {
    "DescribePrefixLists": describe_prefix_lists,
}
READ_ONLY = set(HANDLERS)
