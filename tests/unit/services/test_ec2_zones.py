"""The fixed table of regions and zones."""

from __future__ import annotations

import re

import pytest

from runnerlink.services.ec2.errors import InvalidParameterValue
from runnerlink.services.ec2.records.zones import REGIONS, all_zones, regions, zone, zones


def test_every_region_has_at_least_two_zones_in_letter_order():
    for name in REGIONS:
        found = zones(name)
        assert len(found) >= 2, name
        letters = [z["ZoneName"][len(name):] for z in found]
        assert letters == sorted(letters) and all(re.fullmatch("[a-z]", x) for x in letters), name


def test_zone_ids_are_unique_and_of_the_region():
    seen: set[str] = set()
    for name in REGIONS:
        ids = [z["ZoneId"] for z in all_zones(name)]
        assert not seen & set(ids), name
        seen |= set(ids)
        prefixes = {i.split("-az")[0].split("-")[0] for i in ids}
        assert len(prefixes) == 1, (name, prefixes)  # one region code, e.g. use1 (Local Zones: use1-bos1)
        assert all(re.fullmatch(r"[a-z]+[0-9](-[a-z]+[0-9])?-az[0-9]+", i) for i in ids), name


def test_us_east_1_is_a_to_f():
    assert [(z["ZoneName"], z["ZoneId"]) for z in zones("us-east-1")] == [
        (f"us-east-1{x}", f"use1-az{n}") for n, x in enumerate("abcdef", start=1)]


def test_regions_and_opt_in():
    table = {r["RegionName"]: r for r in regions()}
    assert set(table) == set(REGIONS)
    assert table["us-east-1"]["OptInStatus"] == "opt-in-not-required"
    assert table["af-south-1"]["OptInStatus"] == "not-opted-in"
    assert all(r["Endpoint"] == f"ec2.{n}.amazonaws.com" for n, r in table.items())


def test_local_zones_only_in_all_zones():
    assert all(z["ZoneType"] == "availability-zone" for name in REGIONS for z in zones(name))
    local = [z for z in all_zones("us-west-2") if z["ZoneType"] == "local-zone"]
    assert local and all(z["OptInStatus"] == "not-opted-in" and z["ParentZoneId"] for z in local)


def test_zone_lookup_by_name_or_id():
    assert zone("ap-northeast-1", zone_id="apne1-az4")["ZoneName"] == "ap-northeast-1a"
    assert zone("eu-west-2", name="eu-west-2c")["ZoneId"] == "euw2-az1"
    with pytest.raises(InvalidParameterValue):
        zone("us-east-1", name="us-east-1-bos-1a")  # a Local Zone not opted in
    with pytest.raises(InvalidParameterValue):
        zone("us-east-1", zone_id="euw1-az1")


def test_an_unknown_region_still_has_zones():
    assert [z["ZoneName"] for z in zones("xx-test-1")] == ["xx-test-1a", "xx-test-1b", "xx-test-1c"]
