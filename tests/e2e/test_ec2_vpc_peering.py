"""VPC peering connections through boto3: create → pending-acceptance → accept → active, reject, delete (still
described afterwards), overlapping CIDRs → failed, describe filters, options, routes to pcx- (blackhole until active)
and every error."""

from __future__ import annotations

from tests.conftest import settle, wait_for
from tests.e2e.ec2_fixtures import error, make_vpc

FAILED = "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range"


def peering(ec2, peering_id: str) -> dict:
    return ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[peering_id])["VpcPeeringConnections"][0]


def status(ec2, peering_id: str) -> str:
    return peering(ec2, peering_id)["Status"]["Code"]


def requested(ec2, first: str = "10.0.0.0/16", second: str = "10.1.0.0/16", **params) -> tuple[str, str, str]:
    """Two VPCs and a peering request between them, once it is pending acceptance: (requester, accepter, pcx id)."""
    vpc_a, vpc_b = make_vpc(ec2, first), make_vpc(ec2, second)
    created = ec2.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b, **params)["VpcPeeringConnection"]
    wait_for(lambda: status(ec2, created["VpcPeeringConnectionId"]) != "initiating-request")
    return vpc_a, vpc_b, created["VpcPeeringConnectionId"]


def active(ec2, **params) -> tuple[str, str, str]:
    vpc_a, vpc_b, peering_id = requested(ec2, **params)
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering_id)
    wait_for(lambda: status(ec2, peering_id) == "active")
    return vpc_a, vpc_b, peering_id


def test_create_answers_initiating_request_then_pending_acceptance(ec2, account):
    vpc_a, vpc_b = make_vpc(ec2, "10.0.0.0/16"), make_vpc(ec2, "10.1.0.0/16")
    created = ec2.create_vpc_peering_connection(
        VpcId=vpc_a, PeerVpcId=vpc_b, PeerOwnerId=account, PeerRegion="us-east-1",
        TagSpecifications=[{"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "Name", "Value": "ab"}]}],
    )["VpcPeeringConnection"]
    peering_id = created["VpcPeeringConnectionId"]
    assert peering_id.startswith("pcx-") and len(peering_id) == 21
    assert created["Status"]["Code"] == "initiating-request"
    assert created["RequesterVpcInfo"]["VpcId"] == vpc_a and created["RequesterVpcInfo"]["CidrBlock"] == "10.0.0.0/16"
    assert created["RequesterVpcInfo"]["OwnerId"] == account and created["RequesterVpcInfo"]["Region"] == "us-east-1"
    assert created["AccepterVpcInfo"] == {"OwnerId": account, "VpcId": vpc_b, "Region": "us-east-1"}
    assert created["Tags"] == [{"Key": "Name", "Value": "ab"}]
    settle()
    found = peering(ec2, peering_id)
    assert found["Status"] == {"Code": "pending-acceptance", "Message": f"Pending Acceptance by {account}"}
    assert "ExpirationTime" in found


def test_accept_goes_provisioning_then_active_with_the_accepters_cidrs(ec2):
    vpc_a, vpc_b, peering_id = requested(ec2)
    accepted = ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering_id)["VpcPeeringConnection"]
    assert accepted["Status"]["Code"] == "provisioning"
    wait_for(lambda: status(ec2, peering_id) == "active")
    found = peering(ec2, peering_id)
    assert found["Status"] == {"Code": "active", "Message": "Active"}
    assert found["AccepterVpcInfo"]["CidrBlock"] == "10.1.0.0/16"
    assert found["AccepterVpcInfo"]["CidrBlockSet"] == [{"CidrBlock": "10.1.0.0/16"}]
    assert found["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is False
    assert "ExpirationTime" not in found


def test_reject_leaves_it_described_as_rejected(ec2, account):
    _, _, peering_id = requested(ec2)
    assert ec2.reject_vpc_peering_connection(VpcPeeringConnectionId=peering_id)["Return"] is True
    assert peering(ec2, peering_id)["Status"] == {"Code": "rejected", "Message": f"Rejected by {account}"}
    code, message = error(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=peering_id)
    assert code == "InvalidStateTransition"
    assert message == (f"Invalid state transition for {peering_id}, attempted to transition from rejected to "
                       f"provisioning")


def test_delete_leaves_it_described_as_deleted(ec2, account):
    vpc_a, _, peering_id = active(ec2)
    assert ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=peering_id)["Return"] is True
    assert peering(ec2, peering_id)["Status"] == {"Code": "deleted", "Message": f"Deleted by {account}"}
    listed = ec2.describe_vpc_peering_connections(Filters=[{"Name": "requester-vpc-info.vpc-id",
                                                            "Values": [vpc_a]}])["VpcPeeringConnections"]
    assert [p["Status"]["Code"] for p in listed] == ["deleted"]
    code, _ = error(ec2.delete_vpc_peering_connection, VpcPeeringConnectionId=peering_id)
    assert code == "InvalidStateTransition"


def test_a_pending_request_can_be_deleted(ec2):
    _, _, peering_id = requested(ec2)
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=peering_id)
    assert status(ec2, peering_id) == "deleted"


def test_overlapping_cidrs_fail_with_awss_message(ec2):
    """AWS accepts the request, then the connection goes to failed (it does not refuse the call)."""
    vpc_a, vpc_b = make_vpc(ec2, "10.0.0.0/16"), make_vpc(ec2, "10.0.128.0/20")
    peering_id = ec2.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"]
    wait_for(lambda: status(ec2, peering_id) == "failed")
    assert peering(ec2, peering_id)["Status"]["Message"] == FAILED
    code, _ = error(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=peering_id)
    assert code == "InvalidStateTransition"


def test_unknown_peer_vpc_fails_like_overlap_unsure(ec2):
    """[unsure] A well-formed peer VPC id that does not exist: the request is accepted and fails with the same
    message (as AWS does for a peer it cannot find in another account)."""
    vpc_a = make_vpc(ec2)
    peering_id = ec2.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId="vpc-0123456789abcdef0")[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    wait_for(lambda: status(ec2, peering_id) == "failed")


def test_create_errors(ec2):
    vpc_a = make_vpc(ec2)
    assert error(ec2.create_vpc_peering_connection, VpcId="vpc-0123456789abcdef0", PeerVpcId=vpc_a) == (
        "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist")
    assert error(ec2.create_vpc_peering_connection, VpcId="vpc-1", PeerVpcId=vpc_a)[0] == "InvalidVpcID.Malformed"
    assert error(ec2.create_vpc_peering_connection, VpcId=vpc_a, PeerVpcId="vpc-1") == (
        "InvalidVpcID.Malformed", 'Invalid id: "vpc-1" (expecting "vpc-...")')
    assert error(ec2.create_vpc_peering_connection, VpcId=vpc_a)[0] == "MissingParameter"
    vpc_b = make_vpc(ec2, "10.1.0.0/16")
    code, message = error(ec2.create_vpc_peering_connection, VpcId=vpc_a, PeerVpcId=vpc_b, PeerRegion="eu-west-1")
    assert code == "UnsupportedOperation" and "inter-Region" in message
    code, message = error(ec2.create_vpc_peering_connection, VpcId=vpc_a, PeerVpcId=vpc_b, PeerOwnerId="999999999999")
    assert code == "UnsupportedOperation" and "another account" in message
    code, _ = error(ec2.create_vpc_peering_connection, VpcId=vpc_a, PeerVpcId=vpc_b,
                    TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
    assert code == "InvalidParameterValue"
    assert ec2.describe_vpc_peering_connections()["VpcPeeringConnections"] == []  # nothing half-made


def test_id_errors(ec2):
    unknown = "pcx-0123456789abcdef0"
    for call in (ec2.accept_vpc_peering_connection, ec2.reject_vpc_peering_connection,
                 ec2.delete_vpc_peering_connection):
        assert error(call, VpcPeeringConnectionId=unknown) == (
            "InvalidVpcPeeringConnectionID.NotFound", f"The vpcPeeringConnection ID '{unknown}' does not exist")
        assert error(call, VpcPeeringConnectionId="pcx-1") == (
            "InvalidVpcPeeringConnectionId.Malformed", 'Invalid id: "pcx-1" (expecting "pcx-...")')
    assert error(ec2.describe_vpc_peering_connections, VpcPeeringConnectionIds=[unknown])[0] == \
        "InvalidVpcPeeringConnectionID.NotFound"
    assert error(ec2.describe_vpc_peering_connections, VpcPeeringConnectionIds=["pcx-1"])[0] == \
        "InvalidVpcPeeringConnectionId.Malformed"


def test_accept_and_reject_need_pending_acceptance(ec2):
    _, _, peering_id = active(ec2)
    code, message = error(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=peering_id)
    assert code == "InvalidStateTransition" and "from active to provisioning" in message
    code, message = error(ec2.reject_vpc_peering_connection, VpcPeeringConnectionId=peering_id)
    assert code == "InvalidStateTransition" and "from active to rejected" in message


def test_describe_filters_and_pages(ec2):
    vpc_a, vpc_b, first = active(ec2)
    _, vpc_c, second = requested(ec2, "10.2.0.0/16", "10.3.0.0/16")
    ec2.create_tags(Resources=[second], Tags=[{"Key": "team", "Value": "blue"}])

    def ids(*filters) -> set[str]:
        found = ec2.describe_vpc_peering_connections(Filters=[{"Name": n, "Values": [v]} for n, v in filters])
        return {p["VpcPeeringConnectionId"] for p in found["VpcPeeringConnections"]}

    assert ids(("status-code", "active")) == {first}
    assert ids(("status-code", "pending-acceptance")) == {second}
    assert ids(("vpc-peering-connection-id", second)) == {second}
    assert ids(("requester-vpc-info.vpc-id", vpc_a)) == {first}
    assert ids(("accepter-vpc-info.vpc-id", vpc_c)) == {second}
    assert ids(("requester-vpc-info.cidr-block", "10.2.0.0/16")) == {second}
    assert ids(("accepter-vpc-info.cidr-block", "10.1.0.0/16")) == {first}
    assert ids(("tag:team", "blue")) == {second} and ids(("tag-key", "team")) == {second}
    page = ec2.describe_vpc_peering_connections(MaxResults=5)
    assert len(page["VpcPeeringConnections"]) == 2 and "NextToken" not in page
    paginator = ec2.get_paginator("describe_vpc_peering_connections")
    seen = [p["VpcPeeringConnectionId"] for pg in paginator.paginate(PaginationConfig={"PageSize": 5})
            for p in pg["VpcPeeringConnections"]]
    assert set(seen) == {first, second}


def test_modify_options(ec2):
    _, _, pending = requested(ec2, "10.4.0.0/16", "10.5.0.0/16")
    code, _ = error(ec2.modify_vpc_peering_connection_options, VpcPeeringConnectionId=pending,
                    RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True})
    assert code == "OperationNotPermitted"
    _, _, peering_id = active(ec2)
    answer = ec2.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=peering_id, AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True})
    assert answer["AccepterPeeringConnectionOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert "RequesterPeeringConnectionOptions" not in answer
    found = peering(ec2, peering_id)
    assert found["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert found["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is False
    assert error(ec2.modify_vpc_peering_connection_options, VpcPeeringConnectionId=peering_id)[0] == \
        "MissingParameter"


def _route(ec2, table_id: str, cidr: str) -> dict:
    routes = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    return next(r for r in routes if r.get("DestinationCidrBlock") == cidr)


def test_routes_to_a_peering_are_blackholes_until_it_is_active(ec2):
    vpc_a, vpc_b, peering_id = requested(ec2)
    table_id = ec2.create_route_table(VpcId=vpc_a)["RouteTable"]["RouteTableId"]
    assert ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="10.1.0.0/16",
                            VpcPeeringConnectionId=peering_id)["Return"] is True
    route = _route(ec2, table_id, "10.1.0.0/16")
    assert route["VpcPeeringConnectionId"] == peering_id and route["State"] == "blackhole"
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering_id)
    wait_for(lambda: _route(ec2, table_id, "10.1.0.0/16")["State"] == "active")
    found = ec2.describe_route_tables(Filters=[{"Name": "route.vpc-peering-connection-id", "Values": [peering_id]}])
    assert [t["RouteTableId"] for t in found["RouteTables"]] == [table_id]
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=peering_id)
    assert _route(ec2, table_id, "10.1.0.0/16")["State"] == "blackhole"


def test_replace_route_to_a_peering_and_route_errors(ec2):
    vpc_a, vpc_b, peering_id = active(ec2)
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_a)
    table_id = ec2.create_route_table(VpcId=vpc_a)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="10.1.0.0/16", GatewayId=gateway)
    ec2.replace_route(RouteTableId=table_id, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=peering_id)
    route = _route(ec2, table_id, "10.1.0.0/16")
    assert route["VpcPeeringConnectionId"] == peering_id and "GatewayId" not in route and route["State"] == "active"
    ec2.replace_route(RouteTableId=table_id, DestinationCidrBlock="10.1.0.0/16", GatewayId=gateway)
    assert "VpcPeeringConnectionId" not in _route(ec2, table_id, "10.1.0.0/16")
    # the accepter's tables may route to it too; a third VPC's may not
    other_table = ec2.create_route_table(VpcId=vpc_b)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=other_table, DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=peering_id)
    vpc_c = make_vpc(ec2, "10.9.0.0/16")
    third = ec2.create_route_table(VpcId=vpc_c)["RouteTable"]["RouteTableId"]
    code, _ = error(ec2.create_route, RouteTableId=third, DestinationCidrBlock="10.1.0.0/16",
                    VpcPeeringConnectionId=peering_id)
    assert code == "InvalidParameterValue"
    assert error(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="10.7.0.0/16",
                 VpcPeeringConnectionId="pcx-0123456789abcdef0")[0] == "InvalidVpcPeeringConnectionID.NotFound"
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=peering_id)
    assert error(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="10.7.0.0/16",
                 VpcPeeringConnectionId=peering_id)[0] == "InvalidVpcPeeringConnectionID.NotFound"


def test_deleting_a_vpc_deletes_its_peerings(ec2):
    vpc_a, vpc_b, active_id = active(ec2)
    _, _, pending_id = requested(ec2, "10.6.0.0/16", "10.7.0.0/16")
    accepter = peering(ec2, pending_id)["AccepterVpcInfo"]["VpcId"]
    ec2.delete_vpc(VpcId=vpc_b)
    ec2.delete_vpc(VpcId=accepter)
    assert status(ec2, active_id) == "deleted" and status(ec2, pending_id) == "deleted"
