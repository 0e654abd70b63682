"""The AWS source's mapping of EC2 / App Runner answers to the audit model (pure), field for field as runnerlink's
own topology maps its records."""

from __future__ import annotations

from runnerlink.audit.sources import aws_shapes as shapes
from runnerlink.network.model import Route, Rule

LIST = "pl-0123456789abcdef0"


def test_ip_permissions_become_one_rule_per_peer_in_canonical_order():
    permissions = [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.9.0.0/16"}],
         "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}], "UserIdGroupPairs": [{"GroupId": "sg-b", "UserId": "1"}],
         "PrefixListIds": [{"PrefixListId": LIST}]},
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
    ]
    rules = shapes.rules(permissions, {LIST: ("203.0.113.0/24",)})
    assert rules == (
        Rule("-1", -1, -1, cidr="0.0.0.0/0"),
        Rule("tcp", 22, 22, cidr="10.0.0.0/8"),
        Rule("tcp", 443, 443, prefix_list_id=LIST, prefix_cidrs=("203.0.113.0/24",)),
        Rule("tcp", 443, 443, group_id="sg-b"),
        Rule("tcp", 443, 443, cidr="10.9.0.0/16"),
        Rule("tcp", 443, 443, cidr="2001:db8::/32"),
    )
    # The same rules listed in another order (AWS promises none) give the same tuple.
    assert shapes.rules(list(reversed(permissions)), {LIST: ("203.0.113.0/24",)}) == rules


def test_a_rule_naming_an_aws_managed_list_carries_no_cidrs():
    [rule] = shapes.rules([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                            "PrefixListIds": [{"PrefixListId": "pl-63a5400a"}]}], {})
    assert (rule.prefix_list_id, rule.prefix_cidrs) == ("pl-63a5400a", ())


def test_a_subnet_uses_its_own_table_else_the_main_one():
    tables = [{"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": True}]},
              {"RouteTableId": "rtb-own", "VpcId": "vpc-1", "Associations": [{"Main": False, "SubnetId": "subnet-a"}]}]
    explicit, main = shapes.subnet_tables(tables)
    subnet = {"SubnetId": "subnet-a", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a",
              "MapPublicIpOnLaunch": True}
    assert shapes.subnet(subnet, explicit, main).route_table_id == "rtb-own"
    other = {**subnet, "SubnetId": "subnet-b", "MapPublicIpOnLaunch": False}
    mapped = shapes.subnet(other, explicit, main)
    assert (mapped.route_table_id, mapped.map_public_ip) == ("rtb-main", False)
    assert shapes.subnet({**other, "VpcId": "vpc-2"}, explicit, main).route_table_id is None


def test_routes_keep_their_destination_target_and_state():
    table = shapes.route_table({"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": [
        {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
        {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "blackhole"},
        {"DestinationPrefixListId": "pl-63a5400a", "GatewayId": "vpce-1", "State": "active"},
        {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1"},
        {"DestinationCidrBlock": "10.5.0.0/16"},  # no target this model knows: left out
    ]})
    assert table.routes == (Route("10.0.0.0/16", "local"), Route("0.0.0.0/0", "nat-1", "blackhole"),
                            Route("pl-63a5400a", "vpce-1"), Route("::/0", "eigw-1"))


def test_vpc_cidrs_are_the_associated_blocks():
    view = {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "CidrBlockAssociationSet": [
        {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
        {"CidrBlock": "10.1.0.0/16", "CidrBlockState": {"State": "disassociated"}},
        {"CidrBlock": "10.2.0.0/16", "CidrBlockState": {"State": "disassociating"}}]}
    vpc = shapes.vpc(view, dns_support=False, dns_hostnames=True)
    assert (vpc.cidrs, vpc.dns_support, vpc.dns_hostnames) == (("10.0.0.0/16", "10.2.0.0/16"), False, True)


def test_an_endpoint_splits_its_names_into_the_private_name_and_vpce_names():
    endpoint = shapes.endpoint({
        "VpcEndpointId": "vpce-1", "VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.apprunner",
        "VpcEndpointType": "Interface", "State": "available", "PrivateDnsEnabled": True,
        "DnsEntries": [{"DnsName": "vpce-1-abc.apprunner.us-east-1.vpce.amazonaws.com"},
                       {"DnsName": "vpce-1-abc-us-east-1a.apprunner.us-east-1.vpce.amazonaws.com"},
                       {"DnsName": "apprunner.us-east-1.amazonaws.com"}],
        "NetworkInterfaceIds": ["eni-1", "eni-2"], "Groups": [{"GroupId": "sg-1", "GroupName": "x"}],
        "PolicyDocument": '{"Statement": []}'})
    assert endpoint.private_dns_name == "apprunner.us-east-1.amazonaws.com"
    assert endpoint.dns_names == ("vpce-1-abc.apprunner.us-east-1.vpce.amazonaws.com",
                                  "vpce-1-abc-us-east-1a.apprunner.us-east-1.vpce.amazonaws.com")
    assert (endpoint.interface_ids, endpoint.group_ids, endpoint.policy) == \
        (("eni-1", "eni-2"), ("sg-1",), '{"Statement": []}')
    gateway = shapes.endpoint({"VpcEndpointId": "vpce-2", "VpcId": "vpc-1", "State": "available",
                               "ServiceName": "com.amazonaws.us-east-1.s3"})
    assert (gateway.type, gateway.private_dns, gateway.private_dns_name, gateway.policy) == \
        ("Gateway", False, None, None)


def test_an_interface_without_an_address_is_left_out():
    assert shapes.interface({"NetworkInterfaceId": "eni-1", "SubnetId": "subnet-a", "VpcId": "vpc-1"}) is None
    found = shapes.interface({"NetworkInterfaceId": "eni-1", "SubnetId": "subnet-a", "VpcId": "vpc-1",
                              "PrivateIpAddress": "10.0.1.5", "Groups": [{"GroupId": "sg-1"}]})
    assert (found.private_ip, found.group_ids) == ("10.0.1.5", ("sg-1",))


def test_gateways_and_peerings():
    assert shapes.internet_gateway({"InternetGatewayId": "igw-1", "Attachments": []}).vpc_id is None
    assert shapes.internet_gateway({"InternetGatewayId": "igw-1", "Attachments": [
        {"VpcId": "vpc-1", "State": "available"}]}).vpc_id == "vpc-1"
    nat = shapes.nat_gateway({"NatGatewayId": "nat-1", "SubnetId": "subnet-a", "State": "available",
                              "NatGatewayAddresses": [{"PublicIp": "192.0.2.9", "IsPrimary": False},
                                                      {"PublicIp": "192.0.2.10", "IsPrimary": True}]})
    assert nat.public_ip == "192.0.2.10"
    private = shapes.nat_gateway({"NatGatewayId": "nat-2", "SubnetId": "subnet-a", "State": "pending",
                                  "NatGatewayAddresses": [{"PrivateIp": "10.0.1.9"}]})
    assert private.public_ip is None
    peering = shapes.peering({"VpcPeeringConnectionId": "pcx-1", "RequesterVpcInfo": {"VpcId": "vpc-1"},
                              "AccepterVpcInfo": {"VpcId": "vpc-2"}, "Status": {"Code": "active"}})
    assert (peering.peer_of("vpc-1"), peering.status) == ("vpc-2", "active")


def test_only_live_customer_lists_count():
    assert shapes.customer_list({"OwnerId": "123456789012", "State": "create-complete"})
    assert not shapes.customer_list({"OwnerId": "AWS", "State": "create-complete"})
    assert not shapes.customer_list({"OwnerId": "123456789012", "State": "delete-in-progress"})


def test_app_runner_shapes_and_their_defaults():
    service = shapes.app_service({"ServiceArn": "arn:s", "ServiceName": "s", "Status": "RUNNING"})
    assert (service.egress_type, service.connector_arn, service.public, service.instance_role_arn) == \
        ("DEFAULT", None, True, None)
    configured = shapes.app_service({
        "ServiceArn": "arn:s", "ServiceName": "s", "Status": "RUNNING",
        "InstanceConfiguration": {"InstanceRoleArn": "arn:aws:iam::1:role/r"},
        "NetworkConfiguration": {"EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": "arn:c"},
                                 "IngressConfiguration": {"IsPubliclyAccessible": False}}})
    assert (configured.egress_type, configured.connector_arn, configured.public, configured.instance_role_arn) == \
        ("VPC", "arn:c", False, "arn:aws:iam::1:role/r")
    view = {"VpcIngressConnectionArn": "arn:i", "VpcIngressConnectionName": "inside",
            "ServiceArn": "arn:aws:apprunner:us-east-1:1:service/web/abc", "Status": "AVAILABLE",
            "DomainName": "Abc.us-east-1.awsapprunner.com",
            "IngressVpcConfiguration": {"VpcId": "vpc-1", "VpcEndpointId": "vpce-1"}}
    ingress = shapes.ingress_connection(view)
    assert (ingress.vpc_id, ingress.endpoint_id, ingress.status) == ("vpc-1", "vpce-1", "AVAILABLE")
    name = shapes.private_name(view)
    assert (name.name, name.vpc_id, name.endpoint_id) == ("abc.us-east-1.awsapprunner.com", "vpc-1", "vpce-1")
    assert name.owner == "the VPC ingress connection inside of service web"
