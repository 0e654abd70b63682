"""The standard private network of the App Runner documentation ("Using App Runner with VPC endpoints"), built
through EC2 calls as a user would: a VPC with DNS support and hostnames, private subnets in distinct zones, no
internet gateway, a security group admitting HTTPS from the VPC, and an interface endpoint for App Runner with
private DNS. Variants: a public network (internet gateway, a default route to it, public IPs on launch) and no
endpoint, for the documentation's "without an endpoint the requests silently go over the internet" case."""

from __future__ import annotations

import ipaddress
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

# The documentation's example: an endpoint policy letting only App Runner's read-only calls through.
READ_ONLY_POLICY: dict = {"Version": "2012-10-17", "Statement": [{
    "Sid": "ReadOnly", "Effect": "Allow", "Principal": "*",
    "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}]}


@dataclass(frozen=True)
class PrivateNetwork:
    """The ids of a network private_network built."""

    vpc_id: str
    subnet_ids: tuple[str, ...]  # one per zone, in zone order
    zones: tuple[str, ...]
    security_group_id: str  # admits TCP 443 from the VPC's CIDR; the endpoint's group
    endpoint_id: str | None  # the interface endpoint, None without one
    endpoint_dns_names: tuple[str, ...] = ()  # its endpoint-specific names (vpce-….vpce.amazonaws.com) first
    internet_gateway_id: str | None = None  # public variant only
    cidr: str = "10.0.0.0/16"

    @property
    def subnet_id(self) -> str:
        """The first subnet: where a test places its workload when it doesn't care which."""
        return self.subnet_ids[0]


def build_private_network(ec2: Any, region: str, cidr: str = "10.0.0.0/16", zones: int = 2,
                          endpoint: bool = True, service: str = "apprunner", private_dns: bool = True,
                          endpoint_policy: dict | str | None = None, public: bool = False,
                          wait: bool = True, timeout: float = 30) -> PrivateNetwork:
    """Build the network with the EC2 client ec2 (of the account and region it is for). cidr is a /16 (or smaller
    but at least /20): each subnet takes the next /24 of it. service: the endpoint's service, short ("apprunner",
    "ec2", "sts") or in full ("com.amazonaws.<region>.apprunner"). wait: return once the endpoint is available."""
    if not 1 <= zones <= 6:
        raise ValueError("zones is 1 to 6")
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    zone_names = _zones(ec2, zones)
    subnet_ids = tuple(
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=_subnet_cidr(cidr, index), AvailabilityZone=zone)["Subnet"]
        ["SubnetId"] for index, zone in enumerate(zone_names))
    group_id = ec2.create_security_group(GroupName="runnerlink-endpoints", VpcId=vpc_id,
                                         Description="HTTPS from the VPC to its interface endpoints")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": cidr}]}])
    gateway_id = _make_public(ec2, vpc_id, subnet_ids) if public else None

    endpoint_id, names = None, ()
    if endpoint:
        params: dict[str, Any] = {}
        if endpoint_policy is not None:
            params["PolicyDocument"] = (endpoint_policy if isinstance(endpoint_policy, str)
                                        else json.dumps(endpoint_policy))
        service_name = service if service.startswith("com.amazonaws.") else f"com.amazonaws.{region}.{service}"
        created = ec2.create_vpc_endpoint(VpcId=vpc_id, VpcEndpointType="Interface", ServiceName=service_name,
                                          SubnetIds=list(subnet_ids), SecurityGroupIds=[group_id],
                                          PrivateDnsEnabled=private_dns, **params)["VpcEndpoint"]
        endpoint_id = created["VpcEndpointId"]
        names = tuple(entry["DnsName"] for entry in created.get("DnsEntries", []))
        if wait:
            wait_for_endpoint(ec2, endpoint_id, timeout)
    return PrivateNetwork(vpc_id=vpc_id, subnet_ids=subnet_ids, zones=zone_names, security_group_id=group_id,
                          endpoint_id=endpoint_id, endpoint_dns_names=names, internet_gateway_id=gateway_id,
                          cidr=cidr)


def wait_for_endpoint(ec2: Any, endpoint_id: str, timeout: float = 30) -> None:
    """Until the endpoint is available (the server's lifecycle delay); TimeoutError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        state = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]["State"]
        if state == "available":
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{endpoint_id} is still {state} after {timeout} s")
        time.sleep(0.05)


def _zones(ec2: Any, count: int) -> tuple[str, ...]:
    available = [zone["ZoneName"] for zone in ec2.describe_availability_zones()["AvailabilityZones"]
                 if zone.get("State", "available") == "available"]
    if len(available) < count:
        raise ValueError(f"the region has {len(available)} availability zones, not {count}")
    return tuple(sorted(available)[:count])


def _subnet_cidr(vpc_cidr: str, index: int) -> str:
    """The /24 number index + 1 of the VPC's CIDR (10.0.1.0/24, 10.0.2.0/24 … of 10.0.0.0/16)."""
    network = ipaddress.ip_network(vpc_cidr)
    if not 16 <= network.prefixlen <= 20:
        raise ValueError(f"the VPC's CIDR is a /16 to /20, not {vpc_cidr}")
    return str(next(itertools.islice(network.subnets(new_prefix=24), index + 1, None)))


def _make_public(ec2: Any, vpc_id: str, subnet_ids: tuple[str, ...]) -> str:
    """An internet gateway, 0.0.0.0/0 to it in the VPC's main route table, public IPs on launch in every subnet."""
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    ec2.create_route(RouteTableId=tables[0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)
    for subnet_id in subnet_ids:
        ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
    return gateway_id
