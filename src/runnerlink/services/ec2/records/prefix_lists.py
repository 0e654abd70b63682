"""AWS-managed prefix lists: one per gateway-endpoint service (S3, DynamoDB) in each region.

The CIDRs are documentation ranges (RFC 5737): modelled public addresses are never real ones.
"""

from __future__ import annotations

import hashlib


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

