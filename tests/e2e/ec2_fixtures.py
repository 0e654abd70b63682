"""Real EC2 resources for tests that need a network (VPC endpoints, App Runner VPC connectors and ingress), made
through boto3 like a user would."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from dataclasses import dataclass, field

REGION = "us-east-1"
APPRUNNER = f"com.amazonaws.{REGION}.apprunner"
APPRUNNER_REQUESTS = f"com.amazonaws.{REGION}.apprunner.requests"


@dataclass
class Network:
    vpc_id: str
    subnet_ids: list[str]  # one per zone, zones a, b, c …
    group_id: str  # a group allowing 443 from the VPC
    default_group_id: str
    zones: list[str] = field(default_factory=list)


def make_vpc(ec2, cidr: str = "10.0.0.0/16", dns_hostnames: bool = True) -> str:
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    if dns_hostnames:
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    return vpc_id


def make_subnet(ec2, vpc_id: str, cidr: str, zone: str) -> str:
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]


def make_group(ec2, vpc_id: str, name: str = "endpoints", cidr: str = "10.0.0.0/16") -> str:
    group_id = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": cidr}]}])
    return group_id


def default_group(ec2, vpc_id: str) -> str:
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                   {"Name": "group-name", "Values": ["default"]}])
    return groups["SecurityGroups"][0]["GroupId"]


def make_network(ec2, zones: int = 2, second_octet: int = 0, dns_hostnames: bool = True) -> Network:
    """A VPC 10.<second_octet>.0.0/16 (DNS support and hostnames on unless told), one /24 subnet per zone, an
    endpoint security group."""
    cidr = f"10.{second_octet}.0.0/16"
    vpc_id = make_vpc(ec2, cidr, dns_hostnames)
    names = [f"{REGION}{letter}" for letter in "abcdef"[:zones]]
    subnet_ids = [make_subnet(ec2, vpc_id, f"10.{second_octet}.{i + 1}.0/24", zone) for i, zone in enumerate(names)]
    group_id = make_group(ec2, vpc_id, cidr=cidr)
    return Network(vpc_id, subnet_ids, group_id, default_group(ec2, vpc_id), names)


def make_endpoint(ec2, network: Network, service: str = APPRUNNER, **params) -> dict:
    """An interface endpoint in the network's subnets with its group (private DNS off unless told)."""
    params.setdefault("SubnetIds", network.subnet_ids)
    params.setdefault("SecurityGroupIds", [network.group_id])
    params.setdefault("PrivateDnsEnabled", False)
    return ec2.create_vpc_endpoint(VpcId=network.vpc_id, VpcEndpointType="Interface", ServiceName=service,
                                   **params)["VpcEndpoint"]


def make_requests_endpoint(ec2, network: Network) -> str:
    """An apprunner.requests interface endpoint (what a VPC ingress connection needs)."""
    return make_endpoint(ec2, network, APPRUNNER_REQUESTS)["VpcEndpointId"]


def error(call, **kwargs) -> tuple[str, str]:
    """The (code, message) of the EC2 error call(**kwargs) raises."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]
