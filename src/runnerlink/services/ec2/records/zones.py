"""The commercial AWS regions and their zones as AWS names them (zone name, zone id), for a fresh account.

Zone names are mapped to zone ids per account in the regions AWS opened before late 2018 (us-east-1, us-west-2,
eu-west-1, ap-northeast-1 …): another account's us-east-1a may be use1-az4. Those regions use one mapping published
from a real account (and, for us-east-1, letter order a → az1 … f → az6, which the project's tests and docs rely
on); in the newer regions the mapping is the same for every account, a → az1 in letter order. A zone id with no
letter in a region (usw1-az2, apne1-az3, cac1-az3) is one AWS retired or never opened to new accounts.

Opt-in regions (the ones AWS opened from 2019 on) are "not-opted-in" for a fresh account; their zones are still
described to a caller in that region, as a caller there has opted in.

Local Zones are opt-in zones of a parent region: a fresh account sees them only with AllAvailabilityZones and
cannot put a subnet in them. Their parent zones here are an assumption (the region's first zone)."""

from __future__ import annotations

from dataclasses import dataclass

from runnerlink.services.ec2.errors import InvalidParameterValue

AVAILABILITY_ZONE = "availability-zone"
LOCAL_ZONE = "local-zone"
NOT_REQUIRED, OPTED_IN, NOT_OPTED_IN = "opt-in-not-required", "opted-in", "not-opted-in"


@dataclass(frozen=True)
class RegionInfo:
    name: str
    long_name: str  # as the console and GroupLongName show it
    opt_in: bool  # an opt-in region: not opted in for a fresh account
    zones: tuple[tuple[str, str], ...]  # (letter, zone id) in letter order


def _seq(prefix: str, letters: str) -> tuple[tuple[str, str], ...]:
    return tuple((letter, f"{prefix}-az{n}") for n, letter in enumerate(letters, start=1))


def _ids(prefix: str, **letters: int) -> tuple[tuple[str, str], ...]:
    return tuple((letter, f"{prefix}-az{n}") for letter, n in letters.items())


_TABLE = (
    # opened without opt-in
    RegionInfo("us-east-1", "US East (N. Virginia)", False, _seq("use1", "abcdef")),
    RegionInfo("us-east-2", "US East (Ohio)", False, _seq("use2", "abc")),
    RegionInfo("us-west-1", "US West (N. California)", False, _ids("usw1", a=3, b=1)),
    RegionInfo("us-west-2", "US West (Oregon)", False, _ids("usw2", a=2, b=1, c=3, d=4)),
    RegionInfo("ca-central-1", "Canada (Central)", False, _ids("cac1", a=1, b=2, d=4)),
    RegionInfo("sa-east-1", "South America (Sao Paulo)", False, _seq("sae1", "abc")),
    RegionInfo("eu-west-1", "Europe (Ireland)", False, _seq("euw1", "abc")),
    RegionInfo("eu-west-2", "Europe (London)", False, _ids("euw2", a=2, b=3, c=1)),
    RegionInfo("eu-west-3", "Europe (Paris)", False, _seq("euw3", "abc")),
    RegionInfo("eu-central-1", "Europe (Frankfurt)", False, _ids("euc1", a=2, b=3, c=1)),
    RegionInfo("eu-north-1", "Europe (Stockholm)", False, _seq("eun1", "abc")),
    RegionInfo("ap-south-1", "Asia Pacific (Mumbai)", False, _ids("aps1", a=1, b=3, c=2)),
    RegionInfo("ap-northeast-1", "Asia Pacific (Tokyo)", False, _ids("apne1", a=4, c=1, d=2)),
    RegionInfo("ap-northeast-2", "Asia Pacific (Seoul)", False, _seq("apne2", "abcd")),
    RegionInfo("ap-northeast-3", "Asia Pacific (Osaka)", False, _ids("apne3", a=3, b=1, c=2)),
    RegionInfo("ap-southeast-1", "Asia Pacific (Singapore)", False, _seq("apse1", "abc")),
    RegionInfo("ap-southeast-2", "Asia Pacific (Sydney)", False, _ids("apse2", a=3, b=1, c=2)),
    # opt-in
    RegionInfo("af-south-1", "Africa (Cape Town)", True, _seq("afs1", "abc")),
    RegionInfo("ap-east-1", "Asia Pacific (Hong Kong)", True, _seq("ape1", "abc")),
    RegionInfo("ap-east-2", "Asia Pacific (Taipei)", True, _seq("ape2", "abc")),
    RegionInfo("ap-south-2", "Asia Pacific (Hyderabad)", True, _seq("aps2", "abc")),
    RegionInfo("ap-southeast-3", "Asia Pacific (Jakarta)", True, _seq("apse3", "abc")),
    RegionInfo("ap-southeast-4", "Asia Pacific (Melbourne)", True, _seq("apse4", "abc")),
    RegionInfo("ap-southeast-5", "Asia Pacific (Malaysia)", True, _seq("apse5", "abc")),
    RegionInfo("ap-southeast-6", "Asia Pacific (New Zealand)", True, _seq("apse6", "abc")),
    RegionInfo("ap-southeast-7", "Asia Pacific (Thailand)", True, _seq("apse7", "abc")),
    RegionInfo("ca-west-1", "Canada West (Calgary)", True, _seq("caw1", "abc")),
    RegionInfo("eu-central-2", "Europe (Zurich)", True, _seq("euc2", "abc")),
    RegionInfo("eu-south-1", "Europe (Milan)", True, _seq("eus1", "abc")),
    RegionInfo("eu-south-2", "Europe (Spain)", True, _seq("eus2", "abc")),
    RegionInfo("il-central-1", "Israel (Tel Aviv)", True, _seq("ilc1", "abc")),
    RegionInfo("me-central-1", "Middle East (UAE)", True, _seq("mec1", "abc")),
    RegionInfo("me-south-1", "Middle East (Bahrain)", True, _seq("mes1", "abc")),
    RegionInfo("mx-central-1", "Mexico (Central)", True, _seq("mxc1", "abc")),
)
REGIONS: dict[str, RegionInfo] = {r.name: r for r in _TABLE}

# region → (group, group long name, zone name, zone id) of a few of its Local Zones
_LOCAL_ZONES = {
    "us-east-1": (("us-east-1-bos-1", "US East (Boston)", "us-east-1-bos-1a", "use1-bos1-az1"),
                  ("us-east-1-mia-1", "US East (Miami)", "us-east-1-mia-1a", "use1-mia1-az1")),
    "us-west-2": (("us-west-2-lax-1", "US West (Los Angeles)", "us-west-2-lax-1a", "usw2-lax1-az1"),
                  ("us-west-2-lax-1", "US West (Los Angeles)", "us-west-2-lax-1b", "usw2-lax1-az2")),
}


def regions() -> list[dict]:
    """Every commercial region as a Region record, as a fresh account sees it."""
    return [{"RegionName": r.name, "Endpoint": f"ec2.{r.name}.amazonaws.com",
             "OptInStatus": NOT_OPTED_IN if r.opt_in else NOT_REQUIRED} for r in _TABLE]


def _region(region: str) -> RegionInfo:
    # a region AWS doesn't have (a test's or a future one) gets three zones a-c
    return REGIONS.get(region) or RegionInfo(region, region, False, _seq(region.replace("-", "")[:6], "abc"))


def zones(region: str) -> list[dict]:
    """The region's availability zones (no Local Zones) as AvailabilityZone records, in letter order. Their zone
    group is the region's one availability-zone group, <region>-zg-1; the network border group is the region."""
    info = _region(region)
    group = f"{region}-zg-1"
    return [{**_record(region, f"{region}{letter}", zone_id, group, AVAILABILITY_ZONE, NOT_REQUIRED),
             "NetworkBorderGroup": region, "GroupLongName": f"{info.long_name} 1"} for letter, zone_id in info.zones]


def all_zones(region: str) -> list[dict]:
    """The region's availability zones, then its Local Zones (not opted in)."""
    first = zones(region)[0]
    local = [{**_record(region, name, zone_id, group, LOCAL_ZONE, NOT_OPTED_IN), "GroupLongName": long_name,
              "ParentZoneName": first["ZoneName"], "ParentZoneId": first["ZoneId"]}
             for group, long_name, name, zone_id in _LOCAL_ZONES.get(region, ())]
    return zones(region) + local


def _record(region: str, name: str, zone_id: str, group: str, zone_type: str, opt_in: str) -> dict:
    return {"ZoneName": name, "ZoneId": zone_id, "State": "available", "OptInStatus": opt_in, "Messages": [],
            "RegionName": region, "ZoneType": zone_type, "GroupName": group, "NetworkBorderGroup": group}


def zone(region: str, name: str | None = None, zone_id: str | None = None) -> dict:
    """The availability zone a subnet may be put in, named by name or id; InvalidParameterValue (AWS's CreateSubnet
    wording) when the region has no such zone or the account has not opted in to it."""
    for candidate in zones(region):
        if (name is not None and candidate["ZoneName"] == name) or (
                zone_id is not None and candidate["ZoneId"] == zone_id):
            return candidate
    parameter = "availabilityZone" if name is not None else "availabilityZoneId"
    raise InvalidParameterValue(f"Value ({name if name is not None else zone_id}) for parameter {parameter} is "
                                f"invalid. Subnets can currently only be created in the following availability "
                                f"zones: {', '.join(z['ZoneName'] for z in zones(region))}.")
