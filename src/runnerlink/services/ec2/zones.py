"""DescribeAvailabilityZones."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.records.filters import apply_filters
from runnerlink.services.ec2.records.zones import zone, zones

_FILTERS = {
    "zone-name": lambda z: z["ZoneName"],
    "zone-id": lambda z: z["ZoneId"],
    "state": lambda z: z["State"],
    "region-name": lambda z: z["RegionName"],
    "zone-type": lambda z: z["ZoneType"],
    "group-name": lambda z: z["GroupName"],
    "opt-in-status": lambda z: z["OptInStatus"],
}


def describe_availability_zones(ctx: HandlerContext, params: dict) -> dict:
    found = zones(ctx.region)
    names, zone_ids = params.get("ZoneNames"), params.get("ZoneIds")
    if names or zone_ids:
        for name in names or []:
            zone(ctx.region, name=name)
        for zone_id in zone_ids or []:
            zone(ctx.region, zone_id=zone_id)
        found = [z for z in found if z["ZoneName"] in (names or []) or z["ZoneId"] in (zone_ids or [])]
    return {"AvailabilityZones": apply_filters(found, params.get("Filters"), _FILTERS)}


HANDLERS = {"DescribeAvailabilityZones": describe_availability_zones}
READ_ONLY = {"DescribeAvailabilityZones"}
