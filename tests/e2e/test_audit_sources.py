"""The audit's two API sources against a real server: the AWS source (boto3 read-only calls) and the runnerlink
source (GET /_runnerlink/audit/model) read the same network into the same model; only runnerlink knows its
workloads and what the traffic log saw them send; an IAM-enforcing server's refusals are recorded, never raised."""

from __future__ import annotations

import json
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from runnerlink.audit import codec
from runnerlink.audit.sources import SourceError, aws, runnerlink
from runnerlink.auth.keys import new_access_key_id
from tests.conftest import settle, wait_for
from tests.e2e.apprunner_helpers import IMAGE
from tests.e2e.ec2_fixtures import APPRUNNER, REGION, make_endpoint, make_network, make_requests_endpoint
from tests.server import RunningServer, free_port

ENDPOINT_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
     "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}]})
# What only the runnerlink source knows.
RUNNERLINK_ONLY = ("source", "placements", "observed")


def session(key: str, secret: str = "test") -> boto3.Session:
    return boto3.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=REGION)


def comparable(model) -> dict:
    return {k: v for k, v in codec.to_dict(model).items() if k not in RUNNERLINK_ONLY}


TASKS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "tasks.apprunner.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def build_network(ec2, apprunner, iam) -> dict:
    """Everything the audit reads, made through boto3: a VPC with DNS support off and hostnames on, subnets in two
    zones (one with its own route table), an internet gateway and a NAT gateway with routes, an apprunner interface
    endpoint with a policy and two groups, an s3 gateway endpoint, an apprunner.requests endpoint, a peering, a
    customer prefix list in a rule, a VPC connector, a service with VPC egress, a private service with an ingress
    connection, and one private service with an instance role and no ingress connection."""
    net = make_network(ec2, zones=2)
    peer = make_network(ec2, zones=1, second_octet=1)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=net.vpc_id)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [net.vpc_id]},
                                              {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
    ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=net.subnet_ids[0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    private_table = ec2.create_route_table(VpcId=net.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=private_table, SubnetId=net.subnet_ids[1])
    ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    peering = ec2.create_vpc_peering_connection(VpcId=net.vpc_id, PeerVpcId=peer.vpc_id)[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    wait_for(lambda: _peering_status(ec2, peering) == "pending-acceptance")
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering)
    ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=peering)
    prefix_list = ec2.create_managed_prefix_list(PrefixListName="office", MaxEntries=2, AddressFamily="IPv4", Entries=[
        {"Cidr": "203.0.113.0/24"}, {"Cidr": "198.18.0.0/15"}])["PrefixList"]["PrefixListId"]
    extra_group = ec2.create_security_group(GroupName="office", Description="office", VpcId=net.vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=extra_group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": prefix_list}],
         "IpRanges": [{"CidrIp": "10.9.0.0/16"}], "UserIdGroupPairs": [{"GroupId": net.default_group_id}],
         "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]},
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": net.group_id}]}])
    # Added after the grouped ones: the runnerlink source must not depend on the order rules were added in.
    ec2.authorize_security_group_ingress(GroupId=extra_group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    endpoint = make_endpoint(ec2, net, APPRUNNER, PrivateDnsEnabled=True, PolicyDocument=ENDPOINT_POLICY,
                             SecurityGroupIds=[net.group_id, extra_group])["VpcEndpointId"]
    s3 = ec2.create_vpc_endpoint(VpcId=net.vpc_id, VpcEndpointType="Gateway", ServiceName=f"com.amazonaws.{REGION}.s3",
                                 RouteTableIds=[main["RouteTableId"], private_table])["VpcEndpoint"]["VpcEndpointId"]
    requests = make_requests_endpoint(ec2, net)
    connector = apprunner.create_vpc_connector(VpcConnectorName="egress", Subnets=net.subnet_ids,
                                               SecurityGroups=[net.group_id])["VpcConnector"]["VpcConnectorArn"]
    egress = apprunner.create_service(ServiceName="egress", SourceConfiguration=IMAGE, NetworkConfiguration={
        "EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": connector}})["Service"]["ServiceArn"]
    private = {"IngressConfiguration": {"IsPubliclyAccessible": False}}
    reached = apprunner.create_service(ServiceName="reached", SourceConfiguration=IMAGE,
                                       NetworkConfiguration=private)["Service"]["ServiceArn"]
    role = iam.create_role(RoleName="lonely", AssumeRolePolicyDocument=TASKS_TRUST)["Role"]["Arn"]
    lonely = apprunner.create_service(ServiceName="lonely", SourceConfiguration=IMAGE, NetworkConfiguration=private,
                                      InstanceConfiguration={"InstanceRoleArn": role})["Service"]["ServiceArn"]
    wait_for(lambda: _endpoint_states(ec2, [endpoint, s3, requests]) == {"available"})
    wait_for(lambda: all(apprunner.describe_service(ServiceArn=arn)["Service"]["Status"] == "RUNNING"
                         for arn in (egress, reached, lonely)))
    ingress = apprunner.create_vpc_ingress_connection(
        ServiceArn=reached, VpcIngressConnectionName="inside",
        IngressVpcConfiguration={"VpcId": net.vpc_id, "VpcEndpointId": requests})["VpcIngressConnection"]
    wait_for(lambda: apprunner.describe_vpc_ingress_connection(VpcIngressConnectionArn=ingress[
        "VpcIngressConnectionArn"])["VpcIngressConnection"]["Status"] == "AVAILABLE")
    wait_for(lambda: ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"] == "available")
    wait_for(lambda: _peering_status(ec2, peering) == "active")
    # After the endpoint: private DNS can't be turned on without it, but DNS support can be turned off under it.
    ec2.modify_vpc_attribute(VpcId=net.vpc_id, EnableDnsSupport={"Value": False})
    return dict(net=net, peer=peer, igw=igw, nat=nat, main_table=main["RouteTableId"], private_table=private_table,
                peering=peering, prefix_list=prefix_list, extra_group=extra_group, endpoint=endpoint, s3=s3,
                requests=requests, connector=connector, egress=egress, reached=reached, lonely=lonely,
                ingress=ingress["VpcIngressConnectionArn"], domain=ingress["DomainName"], role=role)


def _peering_status(ec2, peering_id: str) -> str:
    return ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[peering_id])[
        "VpcPeeringConnections"][0]["Status"]["Code"]


def _endpoint_states(ec2, endpoint_ids: list[str]) -> set[str]:
    return {e["State"] for e in ec2.describe_vpc_endpoints(VpcEndpointIds=endpoint_ids)["VpcEndpoints"]}


def check_facts(model, built: dict, account: str) -> None:
    """What the network was built with, read back from either source."""
    net = built["net"]
    topology = model.topology
    assert (topology.account, topology.region) == (account, REGION)
    vpc = topology.vpcs[net.vpc_id]
    assert (vpc.cidrs, vpc.dns_support, vpc.dns_hostnames) == (("10.0.0.0/16",), False, True)
    first, second = (topology.subnets[s] for s in net.subnet_ids)
    assert (first.zone, second.zone) == ("us-east-1a", "us-east-1b")
    assert first.route_table_id == built["main_table"]  # no association of its own: the main table
    assert second.route_table_id == built["private_table"]
    main_routes = {(r.destination, r.target) for r in topology.route_tables[built["main_table"]].routes}
    assert {("10.0.0.0/16", "local"), ("0.0.0.0/0", built["igw"])} <= main_routes
    s3_list = next(p for p in topology.prefix_lists.values() if p.name == f"com.amazonaws.{REGION}.s3")
    assert (s3_list.id, built["s3"]) in main_routes  # the gateway endpoint's route
    private_routes = {(r.destination, r.target) for r in topology.route_tables[built["private_table"]].routes}
    assert {("0.0.0.0/0", built["nat"]), ("10.1.0.0/16", built["peering"])} <= private_routes
    assert topology.internet_gateways[built["igw"]].vpc_id == net.vpc_id
    nat = topology.nat_gateways[built["nat"]]
    assert (nat.subnet_id, nat.state) == (net.subnet_ids[0], "available") and nat.public_ip
    peering = topology.peerings[built["peering"]]
    assert (peering.requester_vpc_id, peering.accepter_vpc_id, peering.status) == \
        (net.vpc_id, built["peer"].vpc_id, "active")
    assert topology.prefix_lists[built["prefix_list"]].cidrs == ("203.0.113.0/24", "198.18.0.0/15")

    group = topology.security_groups[built["extra_group"]]
    peers = {(r.protocol, r.from_port, r.to_port, r.cidr, r.group_id, r.prefix_list_id) for r in group.ingress}
    assert peers == {("tcp", 443, 443, "10.9.0.0/16", None, None), ("tcp", 443, 443, "10.0.0.0/8", None, None),
                     ("tcp", 443, 443, "2001:db8::/32", None, None),
                     ("tcp", 443, 443, None, net.default_group_id, None),
                     ("tcp", 443, 443, None, None, built["prefix_list"]), ("-1", -1, -1, None, net.group_id, None)}
    assert next(r for r in group.ingress if r.prefix_list_id).prefix_cidrs == ("203.0.113.0/24", "198.18.0.0/15")
    assert model.default_groups[net.vpc_id] == net.default_group_id

    endpoint = topology.endpoints[built["endpoint"]]
    assert (endpoint.type, endpoint.state, endpoint.private_dns) == ("Interface", "available", True)
    assert endpoint.private_dns_name == f"apprunner.{REGION}.amazonaws.com"
    assert endpoint.dns_names and all(n.endswith(".vpce.amazonaws.com") for n in endpoint.dns_names)
    assert json.loads(endpoint.policy) == json.loads(ENDPOINT_POLICY)
    assert set(endpoint.group_ids) == {net.group_id, built["extra_group"]}
    interfaces = [topology.interfaces[i] for i in endpoint.interface_ids]
    assert sorted(i.subnet_id for i in interfaces) == sorted(net.subnet_ids)
    assert all(i.private_ip.startswith("10.0.") and set(i.group_ids) == set(endpoint.group_ids) for i in interfaces)
    gateway = topology.endpoints[built["s3"]]
    assert (gateway.type, gateway.interface_ids) == ("Gateway", ())
    assert topology.private_names[built["domain"].lower()].endpoint_id == built["requests"]

    egress, reached, lonely = (model.services[built[k]] for k in ("egress", "reached", "lonely"))
    assert (egress.egress_type, egress.connector_arn, egress.public, egress.status) == \
        ("VPC", built["connector"], True, "RUNNING")
    assert (reached.egress_type, reached.public, reached.instance_role_arn) == ("DEFAULT", False, None)
    assert (lonely.egress_type, lonely.public, lonely.instance_role_arn) == ("DEFAULT", False, built["role"])
    connector = model.connectors[built["connector"]]
    assert (connector.name, connector.subnet_ids, connector.group_ids, connector.status) == \
        ("egress", tuple(net.subnet_ids), (net.group_id,), "ACTIVE")
    ingress = model.ingress[built["ingress"]]
    assert (ingress.service_arn, ingress.vpc_id, ingress.endpoint_id, ingress.status) == \
        (built["reached"], net.vpc_id, built["requests"], "AVAILABLE")
    assert not [i for i in model.ingress.values() if i.service_arn == built["lonely"]]


def test_both_sources_read_the_same_model(server, account, ec2, apprunner):
    built = build_network(ec2, apprunner, server.client("iam", account=account))
    from_aws = aws.load(session(account), REGION, endpoint_url=server.url)
    from_runnerlink = runnerlink.load(server.url, account, REGION)
    assert (from_aws.source, from_runnerlink.source) == ("aws", "runnerlink")
    assert from_aws.refused == () and from_aws.notes == ()
    assert from_aws.placements == () and from_aws.observed == ()
    check_facts(from_aws, built, account)
    check_facts(from_runnerlink, built, account)
    assert comparable(from_aws) == comparable(from_runnerlink)


def test_deleted_resources_are_read_alike(server, account, ec2, apprunner):
    """What is being deleted or was deleted a moment ago: the same in both models (App Runner's deleted services and
    connectors in neither)."""
    net = make_network(ec2, zones=1)
    peer = make_network(ec2, zones=1, second_octet=1)
    endpoint = make_endpoint(ec2, net)["VpcEndpointId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=net.vpc_id)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=net.subnet_ids[0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    peering = ec2.create_vpc_peering_connection(VpcId=net.vpc_id, PeerVpcId=peer.vpc_id)[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    listed = ec2.create_managed_prefix_list(PrefixListName="gone", MaxEntries=1, AddressFamily="IPv4", Entries=[
        {"Cidr": "203.0.113.0/24"}])["PrefixList"]["PrefixListId"]
    wait_for(lambda: _endpoint_states(ec2, [endpoint]) == {"available"})
    wait_for(lambda: ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"] == "available")
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])
    ec2.delete_nat_gateway(NatGatewayId=nat)
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=peering)
    ec2.delete_managed_prefix_list(PrefixListId=listed)
    ec2.delete_security_group(GroupId=net.group_id)
    connector = apprunner.create_vpc_connector(VpcConnectorName="gone", Subnets=net.subnet_ids)["VpcConnector"]
    service = apprunner.create_service(ServiceName="gone", SourceConfiguration=IMAGE)["Service"]["ServiceArn"]
    wait_for(lambda: apprunner.describe_service(ServiceArn=service)["Service"]["Status"] == "RUNNING")
    apprunner.delete_service(ServiceArn=service)
    apprunner.delete_vpc_connector(VpcConnectorArn=connector["VpcConnectorArn"])
    wait_for(lambda: not apprunner.list_services()["ServiceSummaryList"])
    models = aws.load(session(account), REGION, server.url), runnerlink.load(server.url, account, REGION)
    for model in models:
        assert model.services == {} and model.connectors == {}
        assert net.vpc_id in model.topology.vpcs and net.group_id not in model.topology.security_groups
    assert comparable(models[0]) == comparable(models[1])
    for model in models:  # as DescribeNatGateways and DescribeVpcPeeringConnections still show them
        assert model.topology.nat_gateways[nat].state == "deleted"
        assert model.topology.peerings[peering].status == "deleted"
        assert endpoint not in model.topology.endpoints and listed not in model.topology.prefix_lists
    settle()
    assert comparable(aws.load(session(account), REGION, server.url)) == \
        comparable(runnerlink.load(server.url, account, REGION))


# --- workloads and the traffic log (runnerlink only) ---------------------------------------------------------------

def place(server, account: str, subnet: str, public_ip: bool) -> dict:
    return server.post_admin("workloads", {"account": account, "region": REGION, "subnet": subnet,
                                           "publicIp": public_ip})


def client_in(placed: dict, service: str, account: str):
    """A boto3 client whose requests go by AWS's real hostnames through the workload's subnet gateway."""
    config = Config(proxies={"https": placed["proxy"], "http": placed["proxy"]}, retries={"max_attempts": 1},
                    connect_timeout=5, read_timeout=10)
    return boto3.client(service, region_name=REGION, aws_access_key_id=account, aws_secret_access_key="test",
                        config=config, verify=placed["caBundle"])


def test_workloads_are_placements_and_their_requests_are_observed(server, account, ec2):
    net = make_network(ec2, zones=2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=net.vpc_id)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [net.vpc_id]},
                                              {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
    ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    closed = ec2.create_route_table(VpcId=net.vpc_id)["RouteTable"]["RouteTableId"]  # local only
    ec2.associate_route_table(RouteTableId=closed, SubnetId=net.subnet_ids[1])
    endpoint = make_endpoint(ec2, net, PrivateDnsEnabled=True)["VpcEndpointId"]
    wait_for(lambda: _endpoint_states(ec2, [endpoint]) == {"available"})
    public = place(server, account, net.subnet_ids[0], public_ip=True)
    shut_in = place(server, account, net.subnet_ids[1], public_ip=False)

    client_in(public, "apprunner", account).list_services()  # through the endpoint
    client_in(public, "apprunner", account).list_vpc_connectors()
    assert client_in(public, "sts", account).get_caller_identity()["Account"] == account  # over the internet
    with pytest.raises((BotoCoreError, ClientError)):  # no route out of the closed subnet
        client_in(shut_in, "sts", account).get_caller_identity()

    model = runnerlink.load(server.url, account, REGION)
    workloads = {p.id: p for p in model.placements}
    first, second = public["workload"], shut_in["workload"]
    assert set(workloads) == {first["WorkloadId"], second["WorkloadId"]}
    placed = workloads[first["WorkloadId"]]
    assert (placed.kind, placed.vpc_id, placed.subnet_id, placed.group_ids, placed.public_ip) == \
        ("workload", net.vpc_id, net.subnet_ids[0], (net.default_group_id,), True)
    assert first["WorkloadId"] in placed.label
    assert workloads[second["WorkloadId"]].public_ip is False

    seen = {(o.subnet_id, o.service, o.outcome): o for o in model.observed}
    assert set(seen) == {(net.subnet_ids[0], "apprunner", "endpoint"), (net.subnet_ids[0], "sts", "internet"),
                         (net.subnet_ids[1], "sts", "unreachable")}
    through = seen[net.subnet_ids[0], "apprunner", "endpoint"]
    assert (through.count, through.host, through.vpc_id) == (2, f"apprunner.{REGION}.amazonaws.com", net.vpc_id)
    assert through.workloads == (first["WorkloadId"],) and through.last_time > 0
    assert seen[net.subnet_ids[0], "sts", "internet"].count == 1
    assert seen[net.subnet_ids[1], "sts", "unreachable"].workloads == (second["WorkloadId"],)
    # The AWS source knows no workloads; the rest of the model is the same.
    from_aws = aws.load(session(account), REGION, server.url)
    assert from_aws.placements == () and from_aws.observed == ()
    assert comparable(from_aws) == comparable(model)


# --- errors --------------------------------------------------------------------------------------------------------

def test_an_unreachable_runnerlink_is_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SourceError, match="not reachable at " + url):
        runnerlink.load(url, "123456789012", REGION, timeout=2)


def test_a_bad_account_is_the_servers_clear_error(server):
    with pytest.raises(SourceError, match="12-digit"):
        runnerlink.load(server.url, "12345", REGION)


def test_a_server_that_answers_no_model_is_a_clear_error(server):
    with pytest.raises(SourceError, match="did not answer an audit model"):
        runnerlink.load(f"{server.url}/_runnerlink/health?", "123456789012", REGION)


def test_the_model_endpoint_is_a_read_of_the_account(server, account, ec2):
    vpc_id = make_network(ec2, zones=1).vpc_id
    url = f"{server.url}/_runnerlink/audit/model?account={account}&region={REGION}"
    with urllib.request.urlopen(url, timeout=10) as response:
        answer = json.load(response)
    assert answer["format"] == codec.FORMAT and answer["source"] == "runnerlink"
    assert vpc_id in answer["topology"]["vpcs"]
    other = runnerlink.load(server.url, account, "eu-west-1")  # another region: none of this account's VPCs there
    assert vpc_id not in other.topology.vpcs and other.topology.region == "eu-west-1"


# --- an IAM-enforcing server: refusals are recorded, not raised -----------------------------------------------------

ACCOUNT = "135792468013"
ROOT_KEY = new_access_key_id(ACCOUNT)
ROOT_SECRET = "root-secret-of-the-audit-tests"
READ_ONLY = ["ec2:Describe*", "ec2:GetManagedPrefixListEntries", "apprunner:List*", "apprunner:Describe*"]


@pytest.fixture(scope="module")
def enforcing():
    running = RunningServer(extra_args=["--iam", "enforce", "--root-credentials",
                                        f"{ACCOUNT}={ROOT_KEY}:{ROOT_SECRET}"]).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def enforced_network(enforcing):
    def root(service: str):
        return boto3.client(service, endpoint_url=enforcing.url, region_name=REGION, aws_access_key_id=ROOT_KEY,
                            aws_secret_access_key=ROOT_SECRET, config=Config(retries={"max_attempts": 1}))
    return build_network(root("ec2"), root("apprunner"), root("iam")), root("iam")


def user(iam, name: str, *statements: dict) -> boto3.Session:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="audit", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements)}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return session(key["AccessKeyId"], key["SecretAccessKey"])


def test_read_only_permissions_read_the_whole_model(enforcing, enforced_network):
    built, iam = enforced_network
    reader = user(iam, "auditor", {"Effect": "Allow", "Action": READ_ONLY, "Resource": "*"})
    model = aws.load(reader, REGION, enforcing.url)
    assert model.refused == () and model.notes == ()
    check_facts(model, built, ACCOUNT)
    assert comparable(model) == comparable(runnerlink.load(enforcing.url, ACCOUNT, REGION))


def test_a_denied_call_is_recorded_and_the_rest_is_read(enforcing, enforced_network):
    built, iam = enforced_network
    reader = user(iam, "no-nat", {"Effect": "Allow", "Action": READ_ONLY, "Resource": "*"},
                  {"Effect": "Deny", "Action": "ec2:DescribeNatGateways", "Resource": "*"})
    model = aws.load(reader, REGION, enforcing.url)
    assert [(r.service, r.operation, r.code) for r in model.refused] == \
        [("ec2", "DescribeNatGateways", "UnauthorizedOperation")]
    assert "DescribeNatGateways" in model.notes[0] and "NAT gateways" in model.notes[0]
    assert model.topology.nat_gateways == {}
    assert built["nat"] in {r.target for r in model.topology.route_tables[built["private_table"]].routes}
    assert built["endpoint"] in model.topology.endpoints and built["egress"] in model.services


def test_without_app_runner_permissions_the_network_is_still_read(enforcing, enforced_network):
    built, iam = enforced_network
    reader = user(iam, "ec2-only", {"Effect": "Allow", "Action": ["ec2:Describe*", "ec2:Get*"], "Resource": "*"})
    model = aws.load(reader, REGION, enforcing.url)
    refused = {(r.service, r.operation): r.code for r in model.refused}
    assert refused == {("apprunner", "ListServices"): "AccessDeniedException",
                       ("apprunner", "ListVpcConnectors"): "AccessDeniedException",
                       ("apprunner", "ListVpcIngressConnections"): "AccessDeniedException"}
    assert len(model.notes) == 3 and all("App Runner" in note for note in model.notes)
    assert model.services == {} and model.connectors == {} and model.ingress == {}
    assert model.topology.private_names == {}  # the ingress connections' names are App Runner's to tell
    assert built["net"].vpc_id in model.topology.vpcs and built["nat"] in model.topology.nat_gateways


def test_refused_credentials_are_a_clear_error(enforcing, enforced_network):
    with pytest.raises(SourceError, match="refused the credentials"):
        aws.load(session(ROOT_KEY, "not-the-secret"), REGION, enforcing.url)
