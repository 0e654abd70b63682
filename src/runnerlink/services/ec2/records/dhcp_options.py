"""DHCP options sets: the account's default set (AmazonProvidedDNS and the region's internal domain), which every VPC
uses unless told otherwise, and the custom sets CreateDhcpOptions checks and stores."""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import InvalidParameterValue
from runnerlink.services.ec2.ids import new_id
from runnerlink.services.ec2.records.kind import Kind

NO_OPTIONS = "default"  # AssociateDhcpOptions' word for "no DHCP options", then the VPC's DhcpOptionsId


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
    record = new_options(ctx, [
        {"Key": "domain-name", "Values": [{"Value": domain_name(ctx.region)}]},
        {"Key": "domain-name-servers", "Values": [{"Value": "AmazonProvidedDNS"}]},
    ], [])
    DHCP_OPTIONS.put(ctx, record)
    return record


def new_options(ctx: HandlerContext, configurations: list[dict], tags: list[dict]) -> dict:
    """A DHCP options record (not yet stored) of already checked configurations."""
    return {"DhcpOptionsId": new_id("dopt"), "OwnerId": ctx.account, "DhcpConfigurations": configurations,
            "Tags": tags}


def _invalid(key: str, value: str, why: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Value ({value}) for parameter {key} is invalid. {why}")


def _addresses(key: str, values: list[str], limit: int, amazon: bool = False) -> None:
    per_family: dict[int, int] = {}
    for value in values:
        if amazon and value == "AmazonProvidedDNS":
            continue
        try:
            family = ipaddress.ip_address(value).version
        except ValueError:
            raise _invalid(key, value, "Must be a valid IP address.") from None
        per_family[family] = per_family.get(family, 0) + 1
        if per_family[family] > limit or (key != "ntp-servers" and sum(per_family.values()) > limit):
            raise _invalid(key, ",".join(values), f"At most {limit} addresses may be given.")


def _check_domain_name(key: str, values: list[str]) -> None:
    for value in values:
        # spaces may separate several domains; other whitespace and control characters are no part of a name
        if not value or len(value) > 255 or any(c != " " and (c.isspace() or not c.isprintable()) for c in value):
            raise _invalid(key, value, "Must be a valid domain name.")


def _check_node_type(key: str, values: list[str]) -> None:
    if len(values) != 1 or values[0] not in ("1", "2", "4", "8"):
        raise _invalid(key, ",".join(values), "Must be one of 1, 2, 4 or 8.")


def _check_lease_time(key: str, values: list[str]) -> None:
    if len(values) != 1 or not values[0].isdigit() or not 140 <= int(values[0]) <= 2147483647:
        raise _invalid(key, ",".join(values), "Must be a number of seconds between 140 and 2147483647.")


_CHECKS = {
    "domain-name": _check_domain_name,
    "domain-name-servers": lambda key, values: _addresses(key, values, 4, amazon=True),
    "ntp-servers": lambda key, values: _addresses(key, values, 4),
    "netbios-name-servers": lambda key, values: _addresses(key, values, 4),
    "netbios-node-type": _check_node_type,
    "ipv6-address-preferred-lease-time": _check_lease_time,
}


def checked_configurations(raw: list[dict] | None) -> list[dict]:
    """CreateDhcpOptions' DhcpConfigurations as stored: known keys only, each once, with valid values (a value may
    hold several comma-separated addresses, as AWS allows; they are stored one per value)."""
    configurations: list[dict] = []
    seen: set[str] = set()
    for item in raw or []:
        key = item.get("Key")
        if not key:
            raise InvalidParameterValue("Value () for parameter key is invalid. The DHCP option name is required.")
        if key not in _CHECKS:
            raise InvalidParameterValue(f"Value ({key}) for parameter key is invalid. Unrecognized DHCP option name.")
        if key in seen:
            raise InvalidParameterValue(f"Value ({key}) for parameter key is invalid. The DHCP option is given twice.")
        seen.add(key)
        values = [part.strip() for value in item.get("Values") or [] for part in
                  (value.split(",") if key != "domain-name" else [value])]
        if not values or not all(values):
            raise InvalidParameterValue(f"Value for parameter {key} is missing or empty.")
        _CHECKS[key](key, values)
        configurations.append({"Key": key, "Values": [{"Value": v} for v in values]})
    if not configurations:
        raise InvalidParameterValue("At least one DHCP option must be given.", code="MissingParameter")
    return configurations
