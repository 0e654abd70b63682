"""NetworkContext: what a path means to the layers above (condition keys, the traffic log's fields)."""

from __future__ import annotations

import dataclasses

import pytest

from runnerlink.network import Hop, Path
from runnerlink.network.context import DIRECT, NetworkContext


def path(outcome: str, **changes) -> Path:
    base = Path(outcome=outcome, hops=(Hop("dns", True, "resolved"),), reason="why",
                host="apprunner.us-east-1.amazonaws.com", service="apprunner", endpoint_id="vpce-0123456789abcdef0" if outcome == "endpoint" else None,
                vpc_id="vpc-0123456789abcdef0", subnet_id="subnet-0123456789abcdef0", private_ip="10.0.1.5",
                source_ip="192.0.2.7" if outcome == "internet" else None, destination_ip="10.0.1.9")
    return dataclasses.replace(base, **changes)


def test_through_an_endpoint_the_endpoint_keys_are_set_and_no_source_ip():
    network = NetworkContext.from_path(path("endpoint"), "wl-1", "111122223333", "us-east-1", None, "{}")
    keys = network.condition_keys("us-east-1", 0.0)
    assert (keys["aws:SourceVpce"], keys["aws:SourceVpc"], keys["aws:VpcSourceIp"]) == (
        "vpce-0123456789abcdef0", "vpc-0123456789abcdef0", "10.0.1.5")
    assert "aws:SourceIp" not in keys and keys["aws:RequestedRegion"] == "us-east-1"
    assert (keys["aws:EpochTime"], keys["aws:CurrentTime"]) == ("0", "1970-01-01T00:00:00Z")
    assert network.through_endpoint and network.reason is None and network.endpoint_policy == "{}"


def test_across_a_peering_the_source_vpc_is_the_endpoints():
    """[unsure] aws:SourceVpc names the endpoint's VPC (the service sees the endpoint, not the peered client VPC);
    aws:VpcSourceIp stays the client's address (peering does not translate addresses)."""
    across = path("endpoint", endpoint_vpc_id="vpc-0000000000000000f")
    keys = NetworkContext.from_path(across, "wl-1", "111122223333", "us-east-1", None, None).condition_keys(None, 0)
    assert (keys["aws:SourceVpc"], keys["aws:VpcSourceIp"]) == ("vpc-0000000000000000f", "10.0.1.5")


def test_over_the_internet_the_source_ip_is_the_public_address_the_path_gives():
    network = NetworkContext.from_path(path("internet"), "wl-1", "111122223333", "us-east-1", "198.51.100.1", None)
    keys = network.condition_keys(None, 1.5)
    assert keys["aws:SourceIp"] == "192.0.2.7" and "aws:SourceVpce" not in keys and "aws:RequestedRegion" not in keys
    assert DIRECT.condition_keys("us-east-1", 0)["aws:SourceIp"] == "127.0.0.1"


def test_an_unreachable_path_keeps_its_reason_and_hops_for_the_log():
    network = NetworkContext.from_path(path("unreachable"), "wl-1", "111122223333", "us-east-1", "198.51.100.1",
                                       None)
    assert network.reason == "why" and network.public_address == "198.51.100.1"
    fields = network.log_fields
    assert fields["outcome"] == "unreachable" and fields["hops"] == [{"step": "dns", "ok": True, "detail": "resolved"}]
    assert DIRECT.log_fields["hops"] is None and DIRECT.log_fields["source"] == "internet"
    with pytest.raises(dataclasses.FrozenInstanceError):
        network.outcome = "endpoint"  # type: ignore[misc]


def test_a_workload_that_is_part_of_a_service_is_named_in_the_log():
    arn = "arn:aws:apprunner:us-east-1:111122223333:service/web/0123456789abcdef0123456789abcdef"
    network = NetworkContext.from_path(path("internet"), "wl-1", "111122223333", "us-east-1", "192.0.2.130", None,
                                       workload_name="apprunner:web", owner=arn)
    assert (network.log_fields["workloadName"], network.log_fields["owner"]) == ("apprunner:web", arn)
    plain = NetworkContext.from_path(path("internet"), "wl-2", "111122223333", "us-east-1", None, None)
    assert (plain.log_fields["workload"], plain.log_fields["workloadName"], plain.log_fields["owner"]) == \
        ("wl-2", None, None)
