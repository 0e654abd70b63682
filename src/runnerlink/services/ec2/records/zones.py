"""Each region's availability zones as AWS names them (name, zone id)."""

from __future__ import annotations

from runnerlink.services.ec2.errors import InvalidParameterValue

# zone letters per region and the region's zone-id prefix; the zone-id numbering differs per account on AWS,
# here it is fixed (a → az1 …).
_REGIONS = {
    "us-east-1": ("use1", "abcdef"),
    "us-east-2": ("use2", "abc"),
    "us-west-1": ("usw1", "ac"),
    "us-west-2": ("usw2", "abcd"),
    "eu-west-1": ("euw1", "abc"),
    "eu-west-2": ("euw2", "abc"),
    "eu-west-3": ("euw3", "abc"),
    "eu-central-1": ("euc1", "abc"),
    "ap-south-1": ("aps1", "abc"),
    "ap-southeast-1": ("apse1", "abc"),
    "ap-southeast-2": ("apse2", "abc"),
    "ap-northeast-1": ("apne1", "acd"),
}


def zones(region: str) -> list[dict]:
    """The region's zones as AvailabilityZone records (unknown regions get three zones a-c)."""
    prefix, letters = _REGIONS.get(region, (region.replace("-", "")[:6], "abc"))
    return [{
        "ZoneName": f"{region}{letter}",
        "ZoneId": f"{prefix}-az{index}",
        "State": "available",
        "OptInStatus": "opt-in-not-required",
        "Messages": [],
        "RegionName": region,
        "ZoneType": "availability-zone",
        "GroupName": region,
        "NetworkBorderGroup": region,
    } for index, letter in enumerate(letters, start=1)]


def zone(region: str, name: str | None = None, zone_id: str | None = None) -> dict:
    """The zone named by name or id; InvalidParameterValue when the region has no such zone."""
    for candidate in zones(region):
        if candidate["ZoneName"] == name or candidate["ZoneId"] == zone_id:
            return candidate
    raise InvalidParameterValue(f"Value ({name or zone_id}) for parameter availabilityZone is invalid. "
                                f"Subnets can currently only be created in the following availability zones: "
                                f"{', '.join(z['ZoneName'] for z in zones(region))}.")
