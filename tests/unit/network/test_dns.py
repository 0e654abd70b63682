"""DNS from inside a VPC: support off, private DNS of available endpoints only, vpce-… names from anywhere, public
names, and AWS hostnames → services."""

from __future__ import annotations

from dataclasses import replace

import pytest

from runnerlink.network import Vpc, Workload, aws_host, public_address, resolve
from runnerlink.network.dns import default_private_dns_name

from tests.unit.network.builders import (
    ENI_A,
    HOST,
    PRIVATE,
    PUBLIC,
    VPC,
    VPCE,
    VPCE_NAME,
    VPCE_ZONAL_B,
    endpoint,
    topology,
    workload,
)


@pytest.mark.parametrize("host, service, region", [
    ("apprunner.us-east-1.amazonaws.com", "apprunner", "us-east-1"),
    ("codebuild.eu-west-2.amazonaws.com", "codebuild", "eu-west-2"),
    ("ec2.us-east-1.amazonaws.com", "ec2", "us-east-1"),
    ("sts.amazonaws.com", "sts", "us-east-1"),
    ("STS.us-west-2.amazonaws.com.", "sts", "us-west-2"),
    ("api.ecr.us-east-1.amazonaws.com", "ecr.api", "us-east-1"),
    ("bucket.s3.us-east-1.amazonaws.com", "s3", "us-east-1"),
    (VPCE_NAME, "apprunner", "us-east-1"),
])
def test_aws_hosts_name_their_service_and_region(host, service, region):
    parsed = aws_host(host)
    assert (parsed.service, parsed.region) == (service, region)
    assert parsed.service_name() == f"com.amazonaws.{region}.{service}"


def test_vpce_names_carry_the_endpoint_and_zone():
    parsed = aws_host(VPCE_ZONAL_B)
    assert (parsed.endpoint_id, parsed.zone) == (VPCE, "us-east-1b")
    assert aws_host(VPCE_NAME).zone is None


def test_other_hosts_are_not_aws():
    assert aws_host("example.com") is None
    assert aws_host("amazonaws.com.evil.example") is None


def test_default_private_dns_names():
    assert default_private_dns_name("com.amazonaws.us-east-1.apprunner") == HOST
    assert default_private_dns_name("com.amazonaws.us-east-1.ecr.api") == "api.ecr.us-east-1.amazonaws.com"


def test_public_addresses_are_stable_documentation_addresses():
    address = public_address(HOST)
    assert address == public_address(HOST.upper() + ".")
    assert address.startswith("192.0.2.") and 1 <= int(address.rsplit(".", 1)[1]) <= 126
    assert len({public_address(f"svc{i}.us-east-1.amazonaws.com") for i in range(40)}) > 20


def test_public_name_without_endpoint():
    found = resolve(topology(), workload(), HOST)
    assert found.via == "public" and found.addresses == (public_address(HOST),)
    assert found.endpoint_id is None
    assert "no endpoint for com.amazonaws.us-east-1.apprunner with private DNS in " + VPC in found.reason


def test_private_dns_of_an_available_endpoint():
    found = resolve(topology((endpoint(),)), workload(), HOST)
    assert found.via == "private-dns" and found.endpoint_id == VPCE
    assert found.addresses == ("10.0.1.20", "10.0.2.20")


def test_private_dns_of_a_pending_endpoint_does_not_answer():
    found = resolve(topology((endpoint(state="pending"),)), workload(), HOST)
    assert found.via == "public" and found.endpoint_id is None
    assert f"endpoint {VPCE} is pending" in found.reason


def test_private_dns_off_leaves_the_public_name():
    found = resolve(topology((endpoint(private_dns=False),)), workload(), HOST)
    assert found.via == "public"
    assert "private DNS off" in found.reason


def test_private_dns_only_inside_its_own_vpc():
    other = workload()
    other = Workload(other.id, other.account, other.region, "vpc-0000000000000000b", "subnet-0000000000000000x",
                     "10.1.0.9", (), None)
    topo = topology((endpoint(),))
    topo = replace(topo, vpcs={**topo.vpcs, other.vpc_id: Vpc(other.vpc_id, ("10.1.0.0/16",), True, True)})
    assert resolve(topo, other, HOST).via == "public"
    # … while the endpoint's own names resolve from anywhere.
    found = resolve(topo, other, VPCE_NAME)
    assert found.via == "endpoint-name" and found.addresses == ("10.0.1.20", "10.0.2.20")


def test_endpoint_names_resolve_with_private_dns_off():
    found = resolve(topology((endpoint(private_dns=False),)), workload(PUBLIC), VPCE_NAME)
    assert found.via == "endpoint-name" and found.endpoint_id == VPCE


def test_zonal_endpoint_name_gives_that_zones_interface():
    found = resolve(topology((endpoint(),)), workload(), VPCE_ZONAL_B)
    assert found.addresses == ("10.0.2.20",)


def test_endpoint_name_of_a_pending_endpoint():
    found = resolve(topology((endpoint(state="pending"),)), workload(), VPCE_NAME)
    assert found.via == "none" and found.addresses == ()
    assert f"endpoint {VPCE} is pending" in found.reason


def test_unknown_endpoint_name():
    found = resolve(topology((endpoint(),)), workload(), VPCE_NAME.replace("abcd1234", "zzzz9999"))
    assert found.via == "none"
    assert "does not exist" in found.reason


def test_dns_support_off_resolves_nothing():
    for host in (HOST, VPCE_NAME, "example.com"):
        found = resolve(topology((endpoint(),), dns_support=False), workload(), host)
        assert found.via == "none" and found.addresses == ()
        assert found.reason == f"VPC {VPC} has DNS support disabled: {host} does not resolve"


def test_addresses_need_no_lookup():
    found = resolve(topology(dns_support=False), workload(), "192.0.2.77")
    assert found.via == "public" and found.addresses == ("192.0.2.77",)


def test_interfaces_missing_from_the_model_are_skipped():
    topo = topology((endpoint(interface_ids=(ENI_A, "eni-0000000000000000z")),))
    assert resolve(topo, workload(PRIVATE), HOST).addresses == ("10.0.1.20",)


def test_a_wildcard_private_dns_name_answers_every_name_under_it():
    from runnerlink.network.dns import _name_matches

    assert _name_matches("*.dkr.ecr.us-east-1.amazonaws.com", "123456789012.dkr.ecr.us-east-1.amazonaws.com")
    assert not _name_matches("*.dkr.ecr.us-east-1.amazonaws.com", "dkr.ecr.us-east-1.amazonaws.com")
    assert not _name_matches("*.dkr.ecr.us-east-1.amazonaws.com", "123456789012.dkr.ecr.us-west-2.amazonaws.com")
    assert _name_matches("apprunner.us-east-1.amazonaws.com", "apprunner.us-east-1.amazonaws.com")
