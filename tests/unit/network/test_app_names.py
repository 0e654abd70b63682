"""App Runner's names in the network model: a service's public URL (<id>.<region>.awsapprunner.com) takes the
internet path; a VPC ingress connection's DomainName resolves only inside its VPC, to its apprunner.requests
endpoint's ENIs, once the connection is AVAILABLE."""

from __future__ import annotations

from dataclasses import replace

from runnerlink.network import PrivateName, SecurityGroup, app_host, find_path, public_address, resolve

from tests.unit.network.builders import (
    ALL_OUT,
    NAT_EIP,
    NATTED,
    PRIVATE,
    PUBLIC,
    SG_ENDPOINT,
    VPC,
    VPCE,
    endpoint,
    topology,
    with_group,
    workload,
)

APP = "abcde12345.us-east-1.awsapprunner.com"
PRIVATE_APP = "fghij67890.us-east-1.awsapprunner.com"
REQUESTS = "com.amazonaws.us-east-1.apprunner.requests"
OWNER = "the VPC ingress connection web of service web"


def requests_endpoint(**changes):
    return endpoint(private_dns=False, service_name=REQUESTS, dns_names=(), **changes)


def with_ingress(status: str = "AVAILABLE", vpc: str = VPC, endpoint_state: str = "available"):
    topo = topology((requests_endpoint(state=endpoint_state),))
    return replace(topo, private_names={PRIVATE_APP: PrivateName(PRIVATE_APP, vpc, VPCE, status, OWNER)})


def test_app_host_names_app_runner_application_names_only():
    assert app_host(APP) == "us-east-1"
    assert app_host(APP.upper() + ".") == "us-east-1"
    assert app_host("apprunner.us-east-1.amazonaws.com") is None
    assert app_host("example.com") is None
    assert app_host("a.b.us-east-1.awsapprunner.com") is None


def test_a_public_app_name_goes_over_the_internet_as_the_workload_or_its_nat():
    path = find_path(topology(), workload(PUBLIC, public_ip="192.0.2.200"), APP)
    assert (path.outcome, path.application, path.service) == ("internet", True, "apprunner")
    assert path.destination_ip == public_address(APP) and path.source_ip == "192.0.2.200"
    assert find_path(topology(), workload(NATTED), APP).source_ip == NAT_EIP


def test_a_public_app_name_from_a_private_subnet_is_unreachable_at_the_route():
    path = find_path(topology(), workload(PRIVATE), APP)
    assert path.outcome == "unreachable" and path.hops[-1].step == "route"
    assert "no route from" in path.reason and APP in path.reason


def test_an_ingress_name_resolves_to_the_endpoint_enis_inside_its_vpc():
    found = resolve(with_ingress(), workload(PRIVATE), PRIVATE_APP)
    assert (found.via, found.endpoint_id) == ("private-name", VPCE)
    assert set(found.addresses) == {"10.0.1.20", "10.0.2.20"} and OWNER in found.reason


def test_an_ingress_name_reaches_the_endpoint_without_an_internet_path():
    path = find_path(with_ingress(), workload(PRIVATE), PRIVATE_APP)
    assert (path.outcome, path.endpoint_id, path.application) == ("endpoint", VPCE, True)
    assert path.destination_ip == "10.0.2.20"  # the ENI in the workload's own subnet
    assert "endpoint policies do not apply" in path.hops[-1].detail


def test_an_ingress_name_does_not_resolve_before_the_connection_is_available():
    found = resolve(with_ingress("PENDING_CREATION"), workload(PRIVATE), PRIVATE_APP)
    assert found.addresses == () and "PENDING_CREATION" in found.reason
    path = find_path(with_ingress("PENDING_CREATION"), workload(PRIVATE), PRIVATE_APP)
    assert path.outcome == "unreachable" and path.hops[-1].step == "dns"
    assert resolve(with_ingress(endpoint_state="pending"), workload(PRIVATE), PRIVATE_APP).addresses == ()


def test_an_ingress_name_of_another_vpc_resolves_publicly():
    found = resolve(with_ingress(vpc="vpc-0000000000000000z"), workload(PUBLIC), PRIVATE_APP)
    assert found.via == "public" and found.addresses == (public_address(PRIVATE_APP),)
    assert "private to vpc-0000000000000000z" in found.reason


def test_the_endpoint_group_must_admit_443_from_the_workload():
    topo = with_group(with_ingress(), SecurityGroup(SG_ENDPOINT, VPC, (), (ALL_OUT,)))
    path = find_path(topo, workload(PRIVATE), PRIVATE_APP)
    assert path.outcome == "unreachable" and path.hops[-1].step == "security-group"
    assert SG_ENDPOINT in path.reason and "443" in path.reason
