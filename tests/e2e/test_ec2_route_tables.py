"""Route tables through boto3: the main table, CreateRouteTable (ClientToken), routes to internet and NAT gateways
(create/replace/delete), associations (subnet, gateway, main), blackholes derived when read, filters and pages."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conftest import settle, wait_for
from tests.e2e.ec2_fixtures import make_subnet, make_vpc


def error(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def table(ec2, table_id: str) -> dict:
    return ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]


def new_table(ec2, vpc_id: str, **params) -> str:
    return ec2.create_route_table(VpcId=vpc_id, **params)["RouteTable"]["RouteTableId"]


def attached_gateway(ec2, vpc_id: str) -> str:
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    return gateway_id


def route_to(ec2, table_id: str, destination: str) -> dict:
    return next(r for r in table(ec2, table_id)["Routes"] if r.get("DestinationCidrBlock") == destination)


def main_table(ec2, vpc_id: str) -> dict:
    (found,) = ec2.describe_route_tables(Filters=[{"Name": "association.main", "Values": ["true"]},
                                                  {"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    return found


LOCAL = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}


def test_each_vpc_has_one_main_table(ec2, account):
    vpc_id = make_vpc(ec2)
    main = main_table(ec2, vpc_id)
    assert main["Routes"] == [LOCAL]
    (association,) = main["Associations"]
    assert association["Main"] is True and "SubnetId" not in association
    assert association["RouteTableAssociationId"].startswith("rtbassoc-")
    assert association["AssociationState"] == {"State": "associated"}
    assert main["OwnerId"] == account and main["PropagatingVgws"] == []


def test_default_vpc_main_table_routes_to_its_gateway(ec2):
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    gateway = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [default]}])["InternetGateways"][0]["InternetGatewayId"]
    routes = main_table(ec2, default)["Routes"]
    assert routes[0]["DestinationCidrBlock"] == "172.31.0.0/16" and routes[0]["GatewayId"] == "local"
    assert {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway, "Origin": "CreateRoute",
            "State": "active"} in routes


def test_create_route_table_with_tags_and_client_token(ec2):
    vpc_id = make_vpc(ec2)
    created = ec2.create_route_table(VpcId=vpc_id, ClientToken="tok", TagSpecifications=[
        {"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "private"}]}])
    assert created["ClientToken"] == "tok"
    rtb = created["RouteTable"]
    assert rtb["RouteTableId"].startswith("rtb-") and rtb["VpcId"] == vpc_id
    assert rtb["Routes"] == [LOCAL] and rtb["Associations"] == []
    assert rtb["Tags"] == [{"Key": "Name", "Value": "private"}]
    again = ec2.create_route_table(VpcId=vpc_id, ClientToken="tok")
    assert again["RouteTable"]["RouteTableId"] == rtb["RouteTableId"]
    other_vpc = make_vpc(ec2, "10.1.0.0/16")
    assert error(ec2.create_route_table, VpcId=other_vpc, ClientToken="tok")[0] == "IdempotentParameterMismatch"
    assert error(ec2.create_route_table, VpcId="vpc-0123456789abcdef0")[0] == "InvalidVpcID.NotFound"
    code, message = error(ec2.describe_route_tables, RouteTableIds=["rtb-0123456789abcdef0"])
    assert (code, message) == ("InvalidRouteTableID.NotFound",
                               "The routeTable ID 'rtb-0123456789abcdef0' does not exist")
    assert error(ec2.describe_route_tables, RouteTableIds=["rtb-1"])[0] == "InvalidRouteTableId.Malformed"


def test_routes_to_internet_gateway_create_replace_delete(ec2):
    vpc_id = make_vpc(ec2)
    table_id = new_table(ec2, vpc_id)
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    code, message = error(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                          GatewayId=gateway_id)
    assert (code, message) == ("InvalidParameterValue",
                               f"route table {table_id} and network gateway {gateway_id} belong to different networks")
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)["Return"]
    assert route_to(ec2, table_id, "0.0.0.0/0") == {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway_id,
                                                    "Origin": "CreateRoute", "State": "active"}
    code, message = error(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                          GatewayId=gateway_id)
    assert (code, message) == ("RouteAlreadyExists", "The route identified by 0.0.0.0/0 already exists.")
    assert error(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="10.0.0.0/16",
                 GatewayId=gateway_id)[0] == "RouteAlreadyExists"

    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="192.168.0.0/16", GatewayId=gateway_id)
    ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="192.168.0.0/16")
    code, message = error(ec2.delete_route, RouteTableId=table_id, DestinationCidrBlock="192.168.0.0/16")
    assert (code, message) == ("InvalidRoute.NotFound",
                               f"no route with destination-cidr-block 192.168.0.0/16 in route table {table_id}")
    code, message = error(ec2.delete_route, RouteTableId=table_id, DestinationCidrBlock="10.0.0.0/16")
    assert (code, message) == ("InvalidParameterValue", f"cannot remove local route 10.0.0.0/16 in route table "
                                                        f"{table_id}")
    assert [r["DestinationCidrBlock"] for r in table(ec2, table_id)["Routes"]] == ["10.0.0.0/16", "0.0.0.0/0"]


def test_create_route_errors(ec2):
    vpc_id = make_vpc(ec2)
    table_id = new_table(ec2, vpc_id)
    gateway_id = attached_gateway(ec2, vpc_id)
    assert error(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                 GatewayId="igw-0123456789abcdef0")[0] == "InvalidGatewayID.NotFound"
    assert error(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                 NatGatewayId="nat-0123456789abcdef0")[0] == "InvalidNatGatewayID.NotFound"
    assert error(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                 VpcPeeringConnectionId="pcx-0123456789abcdef0")[0] == "InvalidVpcPeeringConnectionID.NotFound"
    code, message = error(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="not-a-cidr",
                          GatewayId=gateway_id)
    assert (code, message) == ("InvalidParameterValue", "Value (not-a-cidr) for parameter destinationCidrBlock is "
                                                        "invalid. This is not a valid CIDR block.")
    assert error(ec2.create_route, RouteTableId=table_id, GatewayId=gateway_id)[0] == "MissingParameter"
    assert error(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")[0] == "MissingParameter"
    assert error(ec2.create_route, RouteTableId="rtb-0123456789abcdef0", DestinationCidrBlock="0.0.0.0/0",
                 GatewayId=gateway_id)[0] == "InvalidRouteTableID.NotFound"
    code, message = error(ec2.replace_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                          GatewayId=gateway_id)
    assert (code, message) == ("InvalidParameterValue", "There is no route defined for '0.0.0.0/0' in the route "
                                                        "table. Use CreateRoute instead.")


def test_nat_route_replace_and_blackhole_when_nat_deleted(ec2):
    vpc_id = make_vpc(ec2)
    subnet_id = make_subnet(ec2, vpc_id, "10.0.1.0/24", "us-east-1a")
    gateway_id = attached_gateway(ec2, vpc_id)
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)["NatGateway"]["NatGatewayId"]
    table_id = new_table(ec2, vpc_id)
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)
    ec2.replace_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    assert route_to(ec2, table_id, "0.0.0.0/0") == {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat_id,
                                                    "Origin": "CreateRoute", "State": "active"}
    by_nat = ec2.describe_route_tables(Filters=[{"Name": "route.nat-gateway-id", "Values": [nat_id]}])
    assert [t["RouteTableId"] for t in by_nat["RouteTables"]] == [table_id]
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert route_to(ec2, table_id, "0.0.0.0/0")["State"] == "blackhole"
    wait_for(lambda: ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "deleted")
    assert route_to(ec2, table_id, "0.0.0.0/0")["State"] == "blackhole"
    blackholes = ec2.describe_route_tables(Filters=[{"Name": "route.state", "Values": ["blackhole"]}])
    assert [t["RouteTableId"] for t in blackholes["RouteTables"]] == [table_id]
    # a new route to a deleted NAT gateway is refused
    assert error(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="1.0.0.0/8",
                 NatGatewayId=nat_id)[0] == "InvalidNatGatewayID.NotFound"


def test_blackhole_when_internet_gateway_detached_or_deleted(ec2):
    vpc_id = make_vpc(ec2)
    gateway_id = attached_gateway(ec2, vpc_id)
    table_id = new_table(ec2, vpc_id)
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert route_to(ec2, table_id, "0.0.0.0/0")["State"] == "blackhole"
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert route_to(ec2, table_id, "0.0.0.0/0")["State"] == "active"
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    assert route_to(ec2, table_id, "0.0.0.0/0") == {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway_id,
                                                    "Origin": "CreateRoute", "State": "blackhole"}
    ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")


def test_subnet_associations(ec2):
    vpc_id = make_vpc(ec2)
    subnet_id = make_subnet(ec2, vpc_id, "10.0.1.0/24", "us-east-1a")
    table_id, other_id = new_table(ec2, vpc_id), new_table(ec2, vpc_id)
    answer = ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    association_id = answer["AssociationId"]
    assert association_id.startswith("rtbassoc-") and answer["AssociationState"] == {"State": "associated"}
    assert table(ec2, table_id)["Associations"] == [{
        "Main": False, "RouteTableAssociationId": association_id, "RouteTableId": table_id, "SubnetId": subnet_id,
        "AssociationState": {"State": "associated"}}]
    code, message = error(ec2.associate_route_table, RouteTableId=other_id, SubnetId=subnet_id)
    assert code == "Resource.AlreadyAssociated"
    assert message == f"the specified association for route table {other_id} conflicts with an existing association"

    other_vpc = make_vpc(ec2, "10.1.0.0/16")
    foreign = make_subnet(ec2, other_vpc, "10.1.1.0/24", "us-east-1a")
    code, message = error(ec2.associate_route_table, RouteTableId=table_id, SubnetId=foreign)
    assert (code, message) == ("InvalidParameterValue",
                               f"Route table {table_id} and subnet {foreign} belong to different networks")
    assert error(ec2.associate_route_table, RouteTableId=table_id, SubnetId="subnet-0123456789abcdef0")[0] == \
        "InvalidSubnetID.NotFound"

    code, message = error(ec2.delete_route_table, RouteTableId=table_id)
    assert (code, message) == ("DependencyViolation",
                               f"The routeTable '{table_id}' has dependencies and cannot be deleted.")

    moved = ec2.replace_route_table_association(AssociationId=association_id, RouteTableId=other_id)
    assert moved["NewAssociationId"] != association_id
    assert table(ec2, table_id)["Associations"] == []
    assert [a["SubnetId"] for a in table(ec2, other_id)["Associations"]] == [subnet_id]

    ec2.disassociate_route_table(AssociationId=moved["NewAssociationId"])
    assert table(ec2, other_id)["Associations"] == []
    code, message = error(ec2.disassociate_route_table, AssociationId=moved["NewAssociationId"])
    assert (code, message) == ("InvalidAssociationID.NotFound",
                               f"The association ID '{moved['NewAssociationId']}' does not exist")
    ec2.delete_route_table(RouteTableId=table_id)
    assert error(ec2.describe_route_tables, RouteTableIds=[table_id])[0] == "InvalidRouteTableID.NotFound"


def test_deleting_a_subnet_drops_its_association(ec2):
    vpc_id = make_vpc(ec2)
    subnet_id = make_subnet(ec2, vpc_id, "10.0.1.0/24", "us-east-1a")
    table_id = new_table(ec2, vpc_id)
    ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    ec2.delete_subnet(SubnetId=subnet_id)
    assert table(ec2, table_id)["Associations"] == []
    ec2.delete_route_table(RouteTableId=table_id)


def test_main_association_moves_and_cannot_be_removed(ec2):
    vpc_id = make_vpc(ec2)
    old_main = main_table(ec2, vpc_id)
    (association,) = old_main["Associations"]
    code, message = error(ec2.disassociate_route_table, AssociationId=association["RouteTableAssociationId"])
    assert (code, message) == ("InvalidParameterValue", f"cannot disassociate the main route table association "
                                                        f"{association['RouteTableAssociationId']}")
    assert error(ec2.delete_route_table, RouteTableId=old_main["RouteTableId"])[0] == "DependencyViolation"

    table_id = new_table(ec2, vpc_id)
    moved = ec2.replace_route_table_association(AssociationId=association["RouteTableAssociationId"],
                                                RouteTableId=table_id)
    assert main_table(ec2, vpc_id)["RouteTableId"] == table_id
    assert main_table(ec2, vpc_id)["Associations"][0]["RouteTableAssociationId"] == moved["NewAssociationId"]
    ec2.delete_route_table(RouteTableId=old_main["RouteTableId"])
    other_vpc_table = new_table(ec2, make_vpc(ec2, "10.1.0.0/16"))
    assert error(ec2.replace_route_table_association, AssociationId=moved["NewAssociationId"],
                 RouteTableId=other_vpc_table)[0] == "InvalidParameterValue"
    assert error(ec2.replace_route_table_association, AssociationId="rtbassoc-0123456789abcdef0",
                 RouteTableId=table_id)[0] == "InvalidAssociationID.NotFound"


def test_gateway_association(ec2):
    vpc_id = make_vpc(ec2)
    gateway_id = attached_gateway(ec2, vpc_id)
    table_id = new_table(ec2, vpc_id)
    association_id = ec2.associate_route_table(RouteTableId=table_id, GatewayId=gateway_id)["AssociationId"]
    (association,) = table(ec2, table_id)["Associations"]
    assert (association["GatewayId"], association["RouteTableAssociationId"]) == (gateway_id, association_id)
    assert error(ec2.associate_route_table, RouteTableId=new_table(ec2, vpc_id), GatewayId=gateway_id)[0] == \
        "Resource.AlreadyAssociated"
    assert error(ec2.associate_route_table, RouteTableId=table_id)[0] == "MissingParameter"


def test_describe_filters_and_pages(ec2):
    vpc_id = make_vpc(ec2)
    subnet_id = make_subnet(ec2, vpc_id, "10.0.1.0/24", "us-east-1a")
    gateway_id = attached_gateway(ec2, vpc_id)
    public = new_table(ec2, vpc_id, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "public"}]}])
    ec2.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)
    association_id = ec2.associate_route_table(RouteTableId=public, SubnetId=subnet_id)["AssociationId"]
    main_id = main_table(ec2, vpc_id)["RouteTableId"]

    def ids(name: str, *values: str) -> set[str]:
        found = ec2.describe_route_tables(Filters=[{"Name": name, "Values": list(values)}])["RouteTables"]
        return {t["RouteTableId"] for t in found}

    assert ids("vpc-id", vpc_id) == {public, main_id}
    assert ids("route-table-id", public) == {public}
    assert ids("association.route-table-association-id", association_id) == {public}
    assert ids("association.subnet-id", subnet_id) == {public}
    assert ids("association.route-table-id", public) == {public}
    assert public in ids("association.main", "false") and main_id not in ids("association.main", "false")
    assert ids("route.destination-cidr-block", "0.0.0.0/0") >= {public}
    assert ids("route.gateway-id", gateway_id) == {public}
    assert ids("tag:Name", "public") == {public}
    assert error(ec2.describe_route_tables, Filters=[{"Name": "nope", "Values": ["x"]}])[0] == "InvalidParameterValue"

    tables = {new_table(ec2, vpc_id) for _ in range(4)} | {public, main_id}
    vpc_filter = [{"Name": "vpc-id", "Values": [vpc_id]}]
    first = ec2.describe_route_tables(Filters=vpc_filter, MaxResults=5)
    assert len(first["RouteTables"]) == 5 and first["NextToken"]
    rest = ec2.describe_route_tables(Filters=vpc_filter, MaxResults=5, NextToken=first["NextToken"])
    assert "NextToken" not in rest
    assert {t["RouteTableId"] for t in first["RouteTables"] + rest["RouteTables"]} == tables


def test_gateway_endpoint_routes_come_and_go_with_the_endpoint(ec2):
    vpc_id = make_vpc(ec2)
    table_id = new_table(ec2, vpc_id)
    endpoint_id = ec2.create_vpc_endpoint(VpcId=vpc_id, VpcEndpointType="Gateway",
                                          ServiceName="com.amazonaws.us-east-1.s3",
                                          RouteTableIds=[table_id])["VpcEndpoint"]["VpcEndpointId"]
    prefix_list = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name",
                                                      "Values": ["com.amazonaws.us-east-1.s3"]}])["PrefixLists"][0]
    route = {"DestinationPrefixListId": prefix_list["PrefixListId"], "GatewayId": endpoint_id, "Origin": "CreateRoute",
             "State": "active"}
    assert table(ec2, table_id)["Routes"] == [LOCAL, route]
    assert error(ec2.create_route, RouteTableId=table_id, DestinationPrefixListId=prefix_list["PrefixListId"],
                 GatewayId=endpoint_id)[0] == "RouteAlreadyExists"
    assert error(ec2.delete_route, RouteTableId=table_id,
                 DestinationPrefixListId=prefix_list["PrefixListId"])[0] == "InvalidParameterValue"
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])
    assert table(ec2, table_id)["Routes"] == [LOCAL]


def test_ipv6_vpc_gets_a_local_ipv6_route(ec2):
    """The local route for the /56 comes once the block is associated."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    block = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    assert main_table(ec2, vpc["VpcId"])["Routes"] == [LOCAL]
    settle()
    routes = main_table(ec2, vpc["VpcId"])["Routes"]
    assert routes == [LOCAL, {"DestinationIpv6CidrBlock": block, "GatewayId": "local", "Origin": "CreateRouteTable",
                              "State": "active"}]
    gateway_id = attached_gateway(ec2, vpc["VpcId"])
    table_id = new_table(ec2, vpc["VpcId"])
    ec2.create_route(RouteTableId=table_id, DestinationIpv6CidrBlock="::/0", GatewayId=gateway_id)
    assert {"DestinationIpv6CidrBlock": "::/0", "GatewayId": gateway_id, "Origin": "CreateRoute",
            "State": "active"} in table(ec2, table_id)["Routes"]
    found = ec2.describe_route_tables(Filters=[{"Name": "route.destination-ipv6-cidr-block", "Values": ["::/0"]}])
    assert [t["RouteTableId"] for t in found["RouteTables"]] == [table_id]
