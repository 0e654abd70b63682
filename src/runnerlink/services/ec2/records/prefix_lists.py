"""AWS-managed prefix lists: one per gateway-endpoint service (S3, DynamoDB) in each region.

The CIDRs are documentation ranges (RFC 5737): modelled public addresses are never real ones.
"""

from __future__ import annotations

import hashlib

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.ids import is_well_formed

# service → (CIDRs, us-east-1's real id: other regions get ids derived from the name)
_SERVICES = {
    "s3": (["198.51.100.0/25"], "pl-63a5400a"),
    "dynamodb": (["198.51.100.128/25"], "pl-02cd2c6b"),
}


def _prefix_list_id(region: str, service: str) -> str:
    if region == "us-east-1":
        return _SERVICES[service][1]
    return "pl-" + hashlib.sha256(f"{region}/{service}".encode()).hexdigest()[:8]


def prefix_lists(region: str) -> list[dict]:
    """The region's AWS-managed prefix lists as PrefixList records."""
    return [{"PrefixListId": _prefix_list_id(region, service), "PrefixListName": f"com.amazonaws.{region}.{service}",
             "Cidrs": list(cidrs)} for service, (cidrs, _) in _SERVICES.items()]


def get_prefix_list(ctx: HandlerContext, prefix_list_id: str) -> dict:
    """The prefix list, or InvalidPrefixListId.Malformed / InvalidPrefixListID.NotFound (AWS's two casings). Every
    operation taking a prefix list id looks it up here (so a list kept elsewhere needs adding only here)."""
    if not is_well_formed(prefix_list_id, "pl"):
        raise EC2Error("InvalidPrefixListId.Malformed", f'Invalid id: "{prefix_list_id}" (expecting "pl-...")')
    found = next((p for p in prefix_lists(ctx.region) if p["PrefixListId"] == prefix_list_id), None)
    if found is None:
        raise EC2Error("InvalidPrefixListID.NotFound", f"The prefix list ID '{prefix_list_id}' does not exist")
    return found
