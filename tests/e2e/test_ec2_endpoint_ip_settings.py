"""IpAddressType and DnsOptions on VPC endpoints through boto3: the defaults, what the service and the subnets allow,
which DNS record types go with which IP address type, and PrivateDnsOnlyForInboundResolverEndpoint (S3 interface
endpoints with private DNS beside a gateway endpoint only)."""

from __future__ import annotations

from tests.conftest import wait_for
from tests.e2e.ec2_fixtures import APPRUNNER, error, make_endpoint, make_network

S3 = "com.amazonaws.us-east-1.s3"
LOGS = "com.amazonaws.us-east-1.logs"


def describe(ec2, endpoint_id: str) -> dict:
    return ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]


def endpoint_ids(ec2) -> list[str]:
    return [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]]


def test_ip_address_type_refused_where_the_service_or_subnets_do_not_support_it(ec2):
    net = make_network(ec2, zones=1)
    # App Runner offers IPv4 only.
    code, message = error(make_endpoint, ec2=ec2, network=net, service=APPRUNNER, IpAddressType="dualstack")
    assert code == "InvalidParameter" and "does not support IP address type dualstack" in message
    # The logs service offers IPv6, but the subnets have no IPv6 range (dualstack) or an IPv4 one (ipv6).
    code, message = error(make_endpoint, ec2=ec2, network=net, service=LOGS, IpAddressType="dualstack")
    assert code == "InvalidParameter" and net.subnet_ids[0] in message and "no IPv6 CIDR block" in message
    code, message = error(make_endpoint, ec2=ec2, network=net, service=LOGS, IpAddressType="ipv6")
    assert code == "InvalidParameter" and "IPv6-only subnets" in message
    assert error(make_endpoint, ec2=ec2, network=net, service=LOGS, IpAddressType="ipv5")[0] == \
        "InvalidParameterValue"
    assert endpoint_ids(ec2) == []  # nothing half-made (no endpoint, and its ENIs never taken)
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []


def test_dns_record_ip_type_must_go_with_the_ip_address_type(ec2):
    net = make_network(ec2, zones=1)
    for record_type in ("dualstack", "ipv6"):
        code, message = error(make_endpoint, ec2=ec2, network=net, service=LOGS,
                              DnsOptions={"DnsRecordIpType": record_type})
        assert code == "InvalidParameter" and f"DnsRecordIpType {record_type}" in message
    endpoint = make_endpoint(ec2, net, LOGS, IpAddressType="ipv4", DnsOptions={"DnsRecordIpType": "service-defined"})
    assert endpoint["IpAddressType"] == "ipv4"
    assert endpoint["DnsOptions"] == {"DnsRecordIpType": "service-defined",
                                      "PrivateDnsOnlyForInboundResolverEndpoint": False}
    shown = describe(ec2, endpoint["VpcEndpointId"])
    assert shown["IpAddressType"] == "ipv4" and shown["DnsOptions"]["DnsRecordIpType"] == "service-defined"
    # Modify: back to the IP address type's own record type; an incompatible one is refused and changes nothing.
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], DnsOptions={"DnsRecordIpType": "ipv4"})
    assert describe(ec2, endpoint["VpcEndpointId"])["DnsOptions"]["DnsRecordIpType"] == "ipv4"
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId=endpoint["VpcEndpointId"],
                 DnsOptions={"DnsRecordIpType": "ipv6"})[0] == "InvalidParameter"
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId=endpoint["VpcEndpointId"],
                 IpAddressType="ipv6")[0] == "InvalidParameter"
    assert describe(ec2, endpoint["VpcEndpointId"])["DnsOptions"]["DnsRecordIpType"] == "ipv4"
    assert describe(ec2, endpoint["VpcEndpointId"])["IpAddressType"] == "ipv4"


def test_dualstack_endpoint_in_dualstack_subnets(ec2):
    """Subnets with an IPv6 range: an IPv6 VPC (once its Amazon-provided /56 is associated) and a /64 of it."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]

    def associated() -> str | None:
        found = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]
        return found["Ipv6CidrBlock"] if found["Ipv6CidrBlockState"]["State"] == "associated" else None

    block = wait_for(associated)
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a",
                               Ipv6CidrBlock=block.replace("/56", "/64"))["Subnet"]
    assert subnet["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == block.replace("/56", "/64")
    wait_for(lambda: ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"][0][
        "Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlockState"]["State"] == "associated")
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc["VpcId"], VpcEndpointType="Interface", ServiceName=LOGS,
                                       SubnetIds=[subnet["SubnetId"]], PrivateDnsEnabled=False,
                                       IpAddressType="dualstack")["VpcEndpoint"]
    assert endpoint["IpAddressType"] == "dualstack" and endpoint["DnsOptions"]["DnsRecordIpType"] == "dualstack"
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], DnsOptions={"DnsRecordIpType": "ipv6"})
    assert describe(ec2, endpoint["VpcEndpointId"])["DnsOptions"]["DnsRecordIpType"] == "ipv6"
    # Back to ipv4: the record type follows it.
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], IpAddressType="ipv4")
    shown = describe(ec2, endpoint["VpcEndpointId"])
    assert shown["IpAddressType"] == "ipv4" and shown["DnsOptions"]["DnsRecordIpType"] == "ipv4"


def test_gateway_endpoint_ip_address_type(ec2):
    """Gateway endpoints take ipv4 or dualstack (where the service offers IPv6), never ipv6 — no subnets to check."""
    net = make_network(ec2, zones=1)
    plain = ec2.create_vpc_endpoint(VpcId=net.vpc_id, ServiceName=S3)["VpcEndpoint"]
    assert "IpAddressType" not in plain
    dualstack = ec2.create_vpc_endpoint(VpcId=net.vpc_id, ServiceName="com.amazonaws.us-east-1.dynamodb",
                                        IpAddressType="dualstack")["VpcEndpoint"]
    assert dualstack["IpAddressType"] == "dualstack"
    assert error(ec2.create_vpc_endpoint, VpcId=net.vpc_id, ServiceName=S3, IpAddressType="ipv6")[0] == \
        "InvalidParameter"
    assert error(ec2.create_vpc_endpoint, VpcId=net.vpc_id, ServiceName=S3,
                 DnsOptions={"PrivateDnsOnlyForInboundResolverEndpoint": True})[0] == "InvalidParameter"
    ec2.modify_vpc_endpoint(VpcEndpointId=plain["VpcEndpointId"], IpAddressType="dualstack")
    assert describe(ec2, plain["VpcEndpointId"])["IpAddressType"] == "dualstack"


def test_private_dns_only_for_inbound_resolver_endpoint(ec2):
    net = make_network(ec2, zones=1)

    def s3_interface(**params):
        return make_endpoint(ec2, net, S3, **params)

    inbound_only = {"PrivateDnsOnlyForInboundResolverEndpoint": True}
    # Not for a service without a gateway endpoint type.
    code, message = error(make_endpoint, ec2=ec2, network=net, service=LOGS, PrivateDnsEnabled=True,
                          DnsOptions=inbound_only)
    assert code == "InvalidParameter" and "both gateway and interface endpoints" in message
    # S3: private DNS must be on …
    code, message = error(s3_interface, DnsOptions=inbound_only)
    assert code == "InvalidParameter" and "private DNS is enabled" in message
    # … and the VPC must have an S3 gateway endpoint.
    code, message = error(s3_interface, PrivateDnsEnabled=True, DnsOptions=inbound_only)
    assert code == "InvalidParameter" and "Gateway endpoint" in message
    assert endpoint_ids(ec2) == []
    ec2.create_vpc_endpoint(VpcId=net.vpc_id, ServiceName=S3)
    endpoint = s3_interface(PrivateDnsEnabled=True, DnsOptions=inbound_only)
    assert endpoint["DnsOptions"] == {"DnsRecordIpType": "ipv4", "PrivateDnsOnlyForInboundResolverEndpoint": True}
    assert describe(ec2, endpoint["VpcEndpointId"])["DnsOptions"]["PrivateDnsOnlyForInboundResolverEndpoint"] is True
    # Private DNS can't be turned off while it is set; turning both off in turn works.
    assert error(ec2.modify_vpc_endpoint, VpcEndpointId=endpoint["VpcEndpointId"],
                 PrivateDnsEnabled=False)[0] == "InvalidParameter"
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"],
                            DnsOptions={"PrivateDnsOnlyForInboundResolverEndpoint": False})
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], PrivateDnsEnabled=False)
    shown = describe(ec2, endpoint["VpcEndpointId"])
    assert shown["PrivateDnsEnabled"] is False
    assert shown["DnsOptions"]["PrivateDnsOnlyForInboundResolverEndpoint"] is False
