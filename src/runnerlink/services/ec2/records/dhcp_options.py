"""DHCP options sets: the account's default set (AmazonProvidedDNS and the region's internal domain), which every VPC
uses unless told otherwise."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.ids import new_id
from runnerlink.services.ec2.records.kind import Kind


def _values(record: dict, key: str | None = None) -> list[str]:
    return [v["Value"] for c in record.get("DhcpConfigurations") or [] if key in (None, c["Key"])
            for v in c.get("Values") or []]


DHCP_OPTIONS = Kind(
    name="dhcp-options", prefix="dopt", id_field="DhcpOptionsId", code="InvalidDhcpOptionID", noun="DHCP options ID",
    malformed_code="InvalidDhcpOptionsId.Malformed",
    filters={
        "dhcp-options-id": lambda r: r["DhcpOptionsId"],
        "key": lambda r: [c["Key"] for c in r.get("DhcpConfigurations") or []],
        "value": lambda r: _values(r),
        "owner-id": lambda r: r["OwnerId"],
    },
)


def domain_name(region: str) -> str:
    """The internal domain AWS hands out by DHCP: us-east-1 kept its historical name."""
    return "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"


def create_default_options(ctx: HandlerContext) -> dict:
    """The account/region's default DHCP options set (called once, when the defaults are seeded)."""
    record = {
        "DhcpOptionsId": new_id("dopt"),
        "OwnerId": ctx.account,
        "DhcpConfigurations": [
            {"Key": "domain-name", "Values": [{"Value": domain_name(ctx.region)}]},
            {"Key": "domain-name-servers", "Values": [{"Value": "AmazonProvidedDNS"}]},
        ],
        "Tags": [],
    }
    DHCP_OPTIONS.put(ctx, record)
    return record
