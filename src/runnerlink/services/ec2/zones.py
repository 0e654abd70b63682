"""DescribeRegions and DescribeAvailabilityZones: fixed data of the partition, the same for every fresh account."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import InvalidParameterValue
from runnerlink.services.ec2.records.filters import apply_filters
from runnerlink.services.ec2.records.zones import NOT_OPTED_IN, all_zones, regions

_REGION_FILTERS = {
    "endpoint": lambda r: r["Endpoint"],
    "region-name": lambda r: r["RegionName"],
    "opt-in-status": lambda r: r["OptInStatus"],
}

_ZONE_FILTERS = {
    "zone-name": lambda z: z["ZoneName"],
    "zone-id": lambda z: z["ZoneId"],
    "state": lambda z: z["State"],
    "region-name": lambda z: z["RegionName"],
    "zone-type": lambda z: z["ZoneType"],
    "group-name": lambda z: z["GroupName"],
    "group-long-name": lambda z: z.get("GroupLongName"),
    "network-border-group": lambda z: z["NetworkBorderGroup"],
    "opt-in-status": lambda z: z["OptInStatus"],
    "parent-zone-name": lambda z: z.get("ParentZoneName"),
    "parent-zone-id": lambda z: z.get("ParentZoneId"),
    "message": lambda z: [m.get("Message") for m in z["Messages"]],
}


def describe_regions(ctx: HandlerContext, params: dict) -> dict:
    """Enabled regions only, unless AllRegions; named regions are described whatever their opt-in status."""
    found = regions()
    names = params.get("RegionNames")
    if names:
        known = {r["RegionName"] for r in found}
        for name in names:
            if name not in known:
                raise InvalidParameterValue(f"Invalid region: [{name}]")
        found = [r for r in found if r["RegionName"] in names]
    elif not params.get("AllRegions"):
        found = [r for r in found if r["OptInStatus"] != NOT_OPTED_IN]
    return {"Regions": apply_filters(found, params.get("Filters"), _REGION_FILTERS)}


def describe_availability_zones(ctx: HandlerContext, params: dict) -> dict:
    """The request region's zones: those the account may use, or every zone (Local Zones not opted in too) with
    AllAvailabilityZones or when zones are named. An unknown name or id fails the call (the first, in request order)."""
    every = all_zones(ctx.region)
    names, zone_ids = params.get("ZoneNames") or [], params.get("ZoneIds") or []
    for name in names:
        if name not in {z["ZoneName"] for z in every}:
            raise InvalidParameterValue(f"Invalid availability zone: [{name}]")
    for zone_id in zone_ids:
        if zone_id not in {z["ZoneId"] for z in every}:
            raise InvalidParameterValue(f"Invalid availability zone-id: [{zone_id}]")
    if names or zone_ids:
        found = [z for z in every if z["ZoneName"] in names or z["ZoneId"] in zone_ids]
    elif params.get("AllAvailabilityZones"):
        found = every
    else:
        found = [z for z in every if z["OptInStatus"] != NOT_OPTED_IN]
    return {"AvailabilityZones": apply_filters(found, params.get("Filters"), _ZONE_FILTERS)}


HANDLERS = {"DescribeRegions": describe_regions, "DescribeAvailabilityZones": describe_availability_zones}
READ_ONLY = set(HANDLERS)
