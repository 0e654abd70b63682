"""build_topology reads the EC2 records of a scope into the network model with derived states, and find_path over
it answers as the e2e tests expect (the full paths are exercised through a server in tests/e2e/test_network_trace.py)."""

from __future__ import annotations

from runnerlink.network import find_path
from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import internet_gateways, security_groups, subnets, topology, vpc_endpoints, vpcs
from runnerlink.services.ec2.records.route_tables import main_table
from runnerlink.services.ec2.records.security_groups import default_group_id
from runnerlink.store import open_store

SCOPE = "123456789012/us-east-1"
HOST = "apprunner.us-east-1.amazonaws.com"


def _ctx(tx, now: float) -> HandlerContext:
    return HandlerContext(account="123456789012", region="us-east-1", now=now, tx=tx, lifecycle_delay=1.0,
                          request_id="r", principal_arn="arn:aws:iam::123456789012:root")


def test_topology_of_a_private_subnet_with_an_endpoint():
    store = open_store("memory")
    with store.transaction(SCOPE, write=True) as tx:
        ctx = _ctx(tx, 1000.0)
        vpc_id = vpcs.create_vpc(ctx, {"CidrBlock": "10.0.0.0/16"})["Vpc"]["VpcId"]
        vpcs.modify_vpc_attribute(ctx, {"VpcId": vpc_id, "EnableDnsHostnames": {"Value": True}})
        subnet_id = subnets.create_subnet(ctx, {"VpcId": vpc_id, "CidrBlock": "10.0.1.0/24",
                                                "AvailabilityZone": "us-east-1a"})["Subnet"]["SubnetId"]
        group_id = security_groups.create_security_group(ctx, {"VpcId": vpc_id, "GroupName": "e",
                                                               "Description": "e"})["GroupId"]
        security_groups.authorize_security_group_ingress(ctx, {"GroupId": group_id, "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]})
        endpoint = vpc_endpoints.create_vpc_endpoint(ctx, {
            "VpcId": vpc_id, "VpcEndpointType": "Interface", "ServiceName": "com.amazonaws.us-east-1.apprunner",
            "SubnetIds": [subnet_id], "SecurityGroupIds": [group_id], "PrivateDnsEnabled": True})["VpcEndpoint"]
        gateway = internet_gateways.create_internet_gateway(ctx, {})["InternetGateway"]["InternetGatewayId"]

    with store.transaction(SCOPE) as tx:
        ctx = _ctx(tx, 1000.5)
        model = topology.build_topology(ctx)
        assert model.vpcs[vpc_id].dns_support and model.vpcs[vpc_id].dns_hostnames
        assert model.subnets[subnet_id].route_table_id == main_table(ctx, vpc_id)["RouteTableId"]
        found = model.endpoints[endpoint["VpcEndpointId"]]
        assert found.state == "pending" and found.private_dns and found.private_dns_name == HOST
        assert len(found.dns_names) == 2 and found.group_ids == (group_id,)
        assert model.security_groups[group_id].ingress[0].from_port == 443
        assert model.internet_gateways[gateway].vpc_id is None
        workload = topology.workload_model(ctx, subnet_id, None, None)
        assert workload.private_ip.startswith("10.0.1.") and workload.public_ip is None
        assert workload.group_ids == (default_group_id(ctx, vpc_id),)
        assert find_path(model, workload, HOST).outcome == "unreachable"

    with store.transaction(SCOPE) as tx:
        ctx = _ctx(tx, 1002.0)
        model = topology.build_topology(ctx)
        workload = topology.workload_model(ctx, subnet_id, [group_id], True)
        path = find_path(model, workload, HOST)
        assert path.outcome == "endpoint", path.reason
        assert path.endpoint_id == endpoint["VpcEndpointId"]
        # Read through the VPC index: the same path.
        scoped = topology.build_topology(ctx, vpc_id)
        assert find_path(scoped, workload, HOST) == path
        assert scoped.vpcs.keys() == {vpc_id} and set(scoped.subnets) == {subnet_id}
