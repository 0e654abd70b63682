"""The dashboard's reads (GET /_runnerlink/ui/api/<view>) on a network built through boto3: a public and a private
subnet (internet gateway, NAT gateway), interface endpoints with and without a policy, a gateway endpoint, security
groups, a workload and an App Runner service behind a VPC connector. Plain HTTP, as the page reads them."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest

from tests.conftest import settle, wait_for
from tests.e2e.apprunner_helpers import IMAGE
from tests.e2e.ec2_fixtures import REGION, Network, make_endpoint, make_network

READ_ONLY = ("apprunner:List*", "apprunner:Describe*")


@dataclass
class Built:
    net: Network
    public_subnet: str
    private_subnet: str
    igw: str
    nat: str
    public_table: str
    private_table: str
    apprunner_endpoint: str
    sts_endpoint: str
    s3_endpoint: str
    app_group: str
    workload: str
    connector: str
    service: str


def tag(ec2, resource_id: str, name: str) -> None:
    ec2.create_tags(Resources=[resource_id], Tags=[{"Key": "Name", "Value": name}])


def build_network(server, account: str, ec2, apprunner) -> Built:
    """The network of this file's tests (and of the dashboard's browser checks)."""
    net = make_network(ec2)
    public_subnet, private_subnet = net.subnet_ids
    tag(ec2, net.vpc_id, "shop")
    tag(ec2, public_subnet, "shop-public")
    tag(ec2, private_subnet, "shop-private")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=net.vpc_id)
    public_table = ec2.create_route_table(VpcId=net.vpc_id)["RouteTable"]["RouteTableId"]
    tag(ec2, public_table, "shop-public-routes")
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_table, SubnetId=public_subnet)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public_subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    private_table = ec2.create_route_table(VpcId=net.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=private_table, SubnetId=private_subnet)
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": list(READ_ONLY),
        "Resource": "*"}]})
    apprunner_endpoint = make_endpoint(ec2, net, PrivateDnsEnabled=True, PolicyDocument=policy)["VpcEndpointId"]
    sts_endpoint = make_endpoint(ec2, net, f"com.amazonaws.{REGION}.sts",
                                 PrivateDnsEnabled=False)["VpcEndpointId"]  # broken: private DNS off
    s3_endpoint = ec2.create_vpc_endpoint(VpcId=net.vpc_id, VpcEndpointType="Gateway",
                                          ServiceName=f"com.amazonaws.{REGION}.s3",
                                          RouteTableIds=[private_table])["VpcEndpoint"]["VpcEndpointId"]
    app_group = ec2.create_security_group(GroupName="app", Description="the app egress",
                                          VpcId=net.vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=app_group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8090, "UserIdGroupPairs": [{"GroupId": net.group_id}]}])
    workload = server.post_admin("workloads", {"account": account, "region": REGION, "subnet": private_subnet,
                                               "securityGroups": [app_group]})["workload"]["WorkloadId"]
    connector = apprunner.create_vpc_connector(VpcConnectorName="egress", Subnets=[private_subnet],
                                               SecurityGroups=[app_group])["VpcConnector"]["VpcConnectorArn"]
    service = apprunner.create_service(ServiceName="website", SourceConfiguration=IMAGE, NetworkConfiguration={
        "EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": connector}})["Service"]["ServiceArn"]
    settle()
    wait_for(lambda: ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"] == "available")
    return Built(net, public_subnet, private_subnet, igw, nat, public_table, private_table, apprunner_endpoint,
                 sts_endpoint, s3_endpoint, app_group, workload, connector, service)


def get(server, view: str, **params) -> tuple[int, dict]:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    url = f"{server.url}/_runnerlink/ui/api/{view}" + (f"?{query}" if query else "")
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def ok(server, view: str, **params) -> dict:
    status, body = get(server, view, **params)
    assert status == 200, body
    return body


@pytest.fixture
def built(server, account, ec2, apprunner) -> Built:
    return build_network(server, account, ec2, apprunner)


def test_scopes_list_the_account_that_holds_the_network(server, account, built):
    answer = ok(server, "scopes")
    assert {"account": account, "region": REGION} in answer["scopes"]
    assert answer["default"] == {"account": "000000000000", "region": REGION}
    assert answer["generation"].isdigit()


def test_the_vpc_list_names_counts_and_searches(server, account, built):
    answer = ok(server, "vpcs", account=account)
    listed = {v["id"]: v for v in answer["vpcs"]}
    assert answer["total"] == 2 and built.net.vpc_id in listed  # the default VPC and ours
    shop = listed[built.net.vpc_id]
    assert (shop["name"], shop["cidrs"], shop["isDefault"], shop["subnets"], shop["endpoints"]) == \
        ("shop", ["10.0.0.0/16"], False, 2, 3)
    assert [v["id"] for v in ok(server, "vpcs", account=account, q="SHOP")["vpcs"]] == [built.net.vpc_id]
    assert [v["id"] for v in ok(server, "vpcs", account=account, q="10.0.")["vpcs"]] == [built.net.vpc_id]
    assert ok(server, "vpcs", account=account, q="nothing-like-it")["total"] == 0
    paged = ok(server, "vpcs", account=account, offset=1, limit=1)
    assert paged["total"] == 2 and len(paged["vpcs"]) == 1


def test_the_vpc_list_follows_the_store(server, account, ec2, built):
    assert ok(server, "vpcs", account=account)["total"] == 2
    added = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    assert added in {v["id"] for v in ok(server, "vpcs", account=account)["vpcs"]}
    tag(ec2, added, "later")
    assert [v["name"] for v in ok(server, "vpcs", account=account, q="later")["vpcs"]] == ["later"]
    ec2.delete_vpc(VpcId=added)
    assert ok(server, "vpcs", account=account)["total"] == 2


def test_one_vpc_its_diagram_and_resources(server, account, built):
    answer = ok(server, "vpc", account=account, vpc=built.net.vpc_id)
    svg = answer["svg"]
    assert svg.startswith("<svg") and f'data-vpc="{built.net.vpc_id}"' in svg
    for node in (built.public_subnet, built.private_subnet, built.igw, built.nat, built.apprunner_endpoint,
                 built.sts_endpoint, built.s3_endpoint):
        assert f'data-id="{node}"' in svg, node
    assert f'class="edge internet" data-from="{built.public_subnet}" data-to="{built.igw}"' in svg

    subnets = {s["id"]: s for s in answer["subnets"]}
    assert subnets[built.public_subnet]["public"] is True
    assert subnets[built.public_subnet]["defaultRoute"] == built.igw
    assert subnets[built.private_subnet]["public"] is False  # out through the NAT gateway: not a public subnet
    assert subnets[built.private_subnet]["defaultRoute"] == built.nat
    assert subnets[built.private_subnet]["route_table_id"] == built.private_table

    endpoints = {e["id"]: e for e in answer["endpoints"]}
    apprunner = endpoints[built.apprunner_endpoint]
    assert (apprunner["type"], apprunner["state"], apprunner["privateDns"], apprunner["privateDnsName"]) == \
        ("Interface", "available", True, "apprunner.us-east-1.amazonaws.com")
    assert apprunner["policySummary"] == "apprunner:List*, apprunner:Describe*"
    assert (endpoints[built.sts_endpoint]["privateDns"], endpoints[built.sts_endpoint]["policySummary"]) == \
        (False, "full access")
    assert endpoints[built.s3_endpoint]["type"] == "Gateway"

    topology = answer["model"]["topology"]
    assert topology["nat_gateways"][built.nat]["subnet_id"] == built.public_subnet
    assert topology["internet_gateways"][built.igw]["vpc_id"] == built.net.vpc_id
    [rule] = topology["security_groups"][built.app_group]["ingress"]
    assert (rule["protocol"], rule["from_port"], rule["to_port"], rule["group_id"]) == \
        ("tcp", 8080, 8090, built.net.group_id)
    assert [p["id"] for p in answer["model"]["placements"]] == [built.workload]
    assert built.connector in answer["model"]["connectors"] and built.service in answer["model"]["services"]


def test_one_vpc_names_groups_and_route_table_associations(server, account, built):
    answer = ok(server, "vpc", account=account, vpc=built.net.vpc_id)
    assert answer["names"][built.net.vpc_id] == "shop"
    assert answer["names"][built.public_subnet] == "shop-public"
    assert answer["names"][built.public_table] == "shop-public-routes"
    groups = answer["securityGroups"]
    assert groups[built.app_group] == {"name": "app", "description": "the app egress"}
    assert groups[built.net.default_group_id]["name"] == "default"
    tables = answer["routeTables"]
    assert tables[built.public_table] == {"main": False, "subnets": [built.public_subnet]}
    assert tables[built.private_table] == {"main": False, "subnets": [built.private_subnet]}
    [main] = [t for t in tables.values() if t["main"]]
    assert main["subnets"] == []  # both subnets have a table of their own


def test_findings_of_a_broken_network(server, account, built):
    answer = ok(server, "vpc", account=account, vpc=built.net.vpc_id)
    rules = {(f["rule"], f["resource"]) for f in answer["findings"]}
    assert ("endpoint-dns-name-off", built.sts_endpoint) in rules
    assert all(f["vpc"] == built.net.vpc_id for f in answer["findings"])
    # the diagram marks what a finding names
    assert 'class="badge sev-high"' in answer["svg"]

    audit = ok(server, "audit", account=account)
    assert audit["account"] == account and audit["source"] == "runnerlink"
    assert audit["summary"]["high"] >= 1
    [dns] = [f for f in audit["findings"] if f["rule"] == "endpoint-dns-name-off"]
    assert (dns["severity"], dns["resource"], dns["vpc"]) == ("high", built.sts_endpoint, built.net.vpc_id)
    assert dns["message"] and dns["fix"] and isinstance(dns["evidence"], list)
    assert any(r["id"] == "endpoint-dns-name-off" for r in audit["rules"])


def test_the_audit_in_pages_filtered_by_severity_rule_vpc_and_resource(server, account, built):
    whole = ok(server, "audit", account=account)["findings"]
    assert len(whole) >= 2
    first = ok(server, "audit", account=account, offset=0, limit=1)
    second = ok(server, "audit", account=account, offset=1, limit=1)
    assert first["total"] == len(whole) and first["findings"] == whole[:1] and second["findings"] == whole[1:2]
    assert sum(first["facets"]["severity"].values()) == len(whole)
    assert first["summary"] == ok(server, "audit", account=account)["summary"]

    high = ok(server, "audit", account=account, severity="high", rule="endpoint-dns-name-off")
    assert [f["resource"] for f in high["findings"]] == [built.sts_endpoint] and high["total"] == 1
    # resource=: the findings about it, and those naming it among their related resources
    about = ok(server, "audit", account=account, resource=built.sts_endpoint)
    assert about["total"] >= 1 and all(built.sts_endpoint in [f["resource"], *f["related"]] for f in about["findings"])
    related = next((f for f in whole if f["related"] and f["related"][0] != f["resource"]), None)
    if related is not None:
        naming = ok(server, "audit", account=account, resource=related["related"][0])["findings"]
        assert related in naming
    assert ok(server, "audit", account=account, resource="sg-00000000000000000")["total"] == 0


def test_a_fixed_network_loses_its_finding(server, account, ec2, built):
    ec2.modify_vpc_endpoint(VpcEndpointId=built.sts_endpoint, PrivateDnsEnabled=True)
    answer = ok(server, "vpc", account=account, vpc=built.net.vpc_id)
    assert ("endpoint-dns-name-off", built.sts_endpoint) not in {(f["rule"], f["resource"]) for f in answer["findings"]}
    assert {e["id"]: e for e in answer["endpoints"]}[built.sts_endpoint]["privateDns"] is True


def test_apprunner_services_with_operations(server, account, built):
    answer = ok(server, "apprunner", account=account)
    [service] = answer["services"]
    assert (service["name"], service["arn"]) == ("website", built.service)
    assert service["status"] in ("RUNNING", "OPERATION_IN_PROGRESS")
    assert [op["Type"] for op in service["operations"]] == ["CREATE_SERVICE"]
    assert isinstance(answer["runsApplications"], bool)
    if service["runs"]:
        assert service["localUrl"].startswith("http://")


def test_a_policy_statement_by_index(server, account, built):
    answer = ok(server, "statement", account=account, endpoint=built.apprunner_endpoint, index=0)
    assert answer["default"] is False and answer["statement"]["Action"] == list(READ_ONLY)
    assert answer["policy"]["Statement"][0] == answer["statement"]
    default = ok(server, "statement", account=account, endpoint=built.sts_endpoint, index=0)
    # an endpoint created without a policy has AWS's full-access default, stored as given or not at all
    assert default["default"] is True or default["statement"]["Effect"] == "Allow"


@pytest.mark.parametrize("view, params, status, words", [
    ("vpc", {}, 400, "Name the VPC"),
    ("vpc", {"vpc": "vpc-0123456789abcdef0"}, 404, "no VPC vpc-0123456789abcdef0"),
    ("vpcs", {"offset": "many"}, 400, "offset is an integer"),
    ("vpcs", {"account": "not-an-account"}, 400, "12-digit"),
    ("audit", {"region": "../../etc"}, 400, "region is an AWS region name"),
    ("statement", {"endpoint": "vpce-0123456789abcdef0"}, 404, "no VPC endpoint"),
    ("nothing", {}, 404, "no view 'nothing'"),
])
def test_bad_reads(server, account, built, view, params, status, words):
    code, body = get(server, view, **{"account": account, **params})
    assert code == status, body
    assert words in body["message"]


def test_a_statement_past_the_end(server, account, built):
    code, body = get(server, "statement", account=account, endpoint=built.apprunner_endpoint, index=7)
    assert code == 404 and "no statement 7" in body["message"]


def test_the_page_and_its_assets(server):
    with urllib.request.urlopen(f"{server.url}/_runnerlink/ui", timeout=5) as response:
        page = response.read().decode()
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert '<script type="module" src="/_runnerlink/ui/app.js"></script>' in page
    assert "<script>" not in page  # no inline script: the CSP would refuse it
    for name in ("app.js", "api.js", "dom.js", "network.js", "virtual-list.js", "live.js", "audit.js", "apps.js", "traffic.js",
                 "style.css"):
        with urllib.request.urlopen(f"{server.url}/_runnerlink/ui/{name}", timeout=5) as response:
            assert response.status == 200 and response.read(), name


def test_a_state_derived_from_time_is_read_anew(server, account, ec2):
    """An endpoint turns available with no write to the store: the view's cached model must not keep it pending."""
    net = make_network(ec2)
    endpoint = make_endpoint(ec2, net, PrivateDnsEnabled=True)["VpcEndpointId"]
    first = ok(server, "vpc", account=account, vpc=net.vpc_id)  # usually within the lifecycle delay: pending
    settle()
    again = ok(server, "vpc", account=account, vpc=net.vpc_id)
    assert again["generation"] == first["generation"]
    assert {e["id"]: e["state"] for e in again["endpoints"]}[endpoint] == "available"
