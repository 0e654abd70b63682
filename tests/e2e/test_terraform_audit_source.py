"""Terraform (hashicorp/aws 5.100.0 from the local mirror) → `runnerlink audit`'s Terraform source.

One configuration (tests/e2e/terraform/audit/): a VPC with public and private subnets in two zones (count and
for_each), an internet gateway, a NAT gateway with its Elastic IP, public and private route tables, security groups
with inline rules and rule resources, a child module with an apprunner interface endpoint (private DNS, a read-only
policy) and an s3 gateway endpoint, an App Runner VPC connector and a service egressing through it.

plan (saved) → `terraform show -json` of the plan → apply that plan → `terraform show -json` of the state. The
state's model is checked against the same network read through boto3 from the server; the plan's model against the
state's, with each Terraform address standing for the id apply gave it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil

import pytest

from runnerlink.audit.config import AuditConfig
from runnerlink.audit.rules.base import AuditContext
from runnerlink.audit.sources.terraform import load
from runnerlink.network.model import Route, Rule
from tests.e2e.terraform_harness import (  # noqa: F401 (fixtures)
    CLI_CONFIG,
    CONFIGS,
    Terraform,
    skip_without_terraform,
    sts_available,
    tf_server,
)

skip_without_terraform()

pytestmark = pytest.mark.terraform

ACCOUNT = "210000000777"
APPRUNNER = "com.amazonaws.us-east-1.apprunner"
S3 = "com.amazonaws.us-east-1.s3"


@pytest.fixture(scope="module")
def applied(tf_server, sts_available, tmp_path_factory):
    """(plan model, state model, workdir): one init (the configuration has a child module, so it needs an init of
    its own rather than the harness's shared one), a plan saved and shown, that plan applied, the state shown."""
    home = tmp_path_factory.mktemp("tf-audit-home")
    (home / "cli.tfrc").write_text(CLI_CONFIG)
    workdir = home / "audit"
    shutil.copytree(CONFIGS / "audit", workdir)
    shutil.copy(CONFIGS / "provider.tf", workdir)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "TF_"))}
    env.update({"TF_CLI_CONFIG_FILE": str(home / "cli.tfrc"), "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
                "CHECKPOINT_DISABLE": "1", "HOME": str(home), "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
                "TF_VAR_runnerlink_endpoint": tf_server.url, "TF_VAR_account_id": ACCOUNT,
                "TF_VAR_skip_requesting_account_id": "false" if sts_available else "true"})
    tf = Terraform(workdir, env, "audit")
    tf.run("init", "-input=false", "-no-color")
    tf.run("plan", "-out=tfplan", "-input=false", "-no-color")
    (workdir / "plan.json").write_text(tf.run("show", "-json", "tfplan").stdout)
    tf.run("apply", "-auto-approve", "-input=false", "-no-color", "tfplan")
    (workdir / "state.json").write_text(tf.run("show", "-json").stdout)
    return load(workdir / "plan.json"), load(workdir / "state.json"), workdir


@pytest.fixture(scope="module")
def ec2(tf_server):
    return tf_server.client("ec2", account=ACCOUNT)


@pytest.fixture(scope="module")
def apprunner(tf_server):
    return tf_server.client("apprunner", account=ACCOUNT)


def rules_of(permissions: list[dict]) -> set[Rule]:
    found = set()
    for permission in permissions:
        protocol = str(permission["IpProtocol"])
        ports = (-1, -1) if protocol == "-1" else (permission.get("FromPort", -1), permission.get("ToPort", -1))
        found |= {Rule(protocol, *ports, cidr=r["CidrIp"]) for r in permission.get("IpRanges", [])}
        found |= {Rule(protocol, *ports, cidr=r["CidrIpv6"]) for r in permission.get("Ipv6Ranges", [])}
        found |= {Rule(protocol, *ports, group_id=r["GroupId"]) for r in permission.get("UserIdGroupPairs", [])}
        found |= {Rule(protocol, *ports, prefix_list_id=r["PrefixListId"])
                  for r in permission.get("PrefixListIds", [])}
    return found


def test_state_model_is_the_network_boto3_reads(applied, ec2, apprunner):
    _, model, _ = applied
    topology = model.topology
    assert model.source == "terraform" and topology.account == ACCOUNT and topology.region == "us-east-1"

    [vpc] = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.50.0.0/16"]}])["Vpcs"]
    vpc_id = vpc["VpcId"]
    assert set(topology.vpcs) == {vpc_id}
    modelled = topology.vpcs[vpc_id]
    support = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"]
    hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id,
                                           Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"]
    assert (modelled.cidrs, modelled.dns_support, modelled.dns_hostnames) == (("10.50.0.0/16",), support, hostnames)

    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    main = next(t["RouteTableId"] for t in tables if any(a.get("Main") for a in t["Associations"]))
    explicit = {a["SubnetId"]: t["RouteTableId"] for t in tables for a in t["Associations"] if a.get("SubnetId")}
    assert set(topology.route_tables) == {t["RouteTableId"] for t in tables}
    targets = ("GatewayId", "NatGatewayId", "VpcPeeringConnectionId", "NetworkInterfaceId")
    for table in tables:
        described = {Route(r.get("DestinationCidrBlock") or r["DestinationPrefixListId"],
                           next(r[k] for k in targets if r.get(k)), r["State"]) for r in table["Routes"]}
        assert set(topology.route_tables[table["RouteTableId"]].routes) == described, table["RouteTableId"]

    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert {s.id: (s.vpc_id, s.cidr, s.zone, s.route_table_id, s.map_public_ip)
            for s in topology.subnets.values()} == {
        s["SubnetId"]: (vpc_id, s["CidrBlock"], s["AvailabilityZone"], explicit.get(s["SubnetId"], main),
                        s["MapPublicIpOnLaunch"]) for s in subnets}

    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    assert set(topology.security_groups) == {g["GroupId"] for g in groups}
    for group in groups:
        modelled_group = topology.security_groups[group["GroupId"]]
        assert set(modelled_group.ingress) == rules_of(group["IpPermissions"]), group["GroupName"]
        assert set(modelled_group.egress) == rules_of(group["IpPermissionsEgress"]), group["GroupName"]
    default = next(g["GroupId"] for g in groups if g["GroupName"] == "default")
    assert model.default_groups == {vpc_id: default}

    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    assert set(topology.endpoints) == {e["VpcEndpointId"] for e in endpoints}
    for described in endpoints:
        endpoint = topology.endpoints[described["VpcEndpointId"]]
        names = {d["DnsName"] for d in described.get("DnsEntries", [])}
        assert (endpoint.service_name, endpoint.type, endpoint.state, endpoint.private_dns,
                set(endpoint.group_ids), json.loads(endpoint.policy)) == (
            described["ServiceName"], described["VpcEndpointType"], described["State"],
            described["PrivateDnsEnabled"], {g["GroupId"] for g in described.get("Groups", [])},
            json.loads(described["PolicyDocument"]))
        assert set(endpoint.dns_names) | ({endpoint.private_dns_name} if endpoint.private_dns_name else set()) \
            == names
        enis = ec2.describe_network_interfaces(
            NetworkInterfaceIds=described["NetworkInterfaceIds"])["NetworkInterfaces"] \
            if described["NetworkInterfaceIds"] else []
        assert {(i.subnet_id, i.private_ip, i.group_ids) for i in map(topology.interfaces.get,
                                                                       endpoint.interface_ids)} == {
            (e["SubnetId"], e["PrivateIpAddress"], tuple(g["GroupId"] for g in e["Groups"])) for e in enis}
    [gateway] = [e for e in endpoints if e["ServiceName"] == S3]
    [list_id] = [r.destination for t in topology.route_tables.values() for r in t.routes
                 if r.target == gateway["VpcEndpointId"]]
    [prefix_list] = ec2.describe_prefix_lists(PrefixListIds=[list_id])["PrefixLists"]
    assert topology.prefix_lists[prefix_list["PrefixListId"]].cidrs == tuple(prefix_list["Cidrs"])
    assert prefix_list["PrefixListName"] == S3

    [igw] = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
    assert {g.id: g.vpc_id for g in topology.internet_gateways.values()} == {
        igw["InternetGatewayId"]: igw["Attachments"][0]["VpcId"]}
    [nat] = ec2.describe_nat_gateways(
        Filter=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    assert {(n.id, n.subnet_id, n.state, n.public_ip) for n in topology.nat_gateways.values()} == {
        (nat["NatGatewayId"], nat["SubnetId"], nat["State"], nat["NatGatewayAddresses"][0]["PublicIp"])}

    [connector] = apprunner.list_vpc_connectors()["VpcConnectors"]
    modelled_connector = model.connectors[connector["VpcConnectorArn"]]
    assert (modelled_connector.name, set(modelled_connector.subnet_ids), set(modelled_connector.group_ids),
            modelled_connector.status) == (connector["VpcConnectorName"], set(connector["Subnets"]),
                                           set(connector["SecurityGroups"]), connector["Status"])
    [summary] = apprunner.list_services()["ServiceSummaryList"]
    service = apprunner.describe_service(ServiceArn=summary["ServiceArn"])["Service"]
    network = service["NetworkConfiguration"]
    assert model.services == {service["ServiceArn"]: dataclasses.replace(
        model.services[service["ServiceArn"]], name=service["ServiceName"], status=service["Status"],
        egress_type=network["EgressConfiguration"]["EgressType"],
        connector_arn=network["EgressConfiguration"].get("VpcConnectorArn"),
        public=network["IngressConfiguration"]["IsPubliclyAccessible"],
        instance_role_arn=service.get("InstanceConfiguration", {}).get("InstanceRoleArn"))}


def rename(value, mapping: dict[str, str]):
    """Every plan id in value (dataclasses, tuples, dicts, "endpoint/subnet" interface ids) as the state's."""
    if dataclasses.is_dataclass(value):
        return dataclasses.replace(value, **{f.name: rename(getattr(value, f.name), mapping)
                                             for f in dataclasses.fields(value)})
    if isinstance(value, tuple):
        return tuple(rename(v, mapping) for v in value)
    if isinstance(value, dict):
        return {rename(k, mapping): rename(v, mapping) for k, v in value.items()}
    if isinstance(value, str):
        if value in mapping:
            return mapping[value]
        if "/" in value and value.split("/", 1)[0] in mapping:
            endpoint, subnet = value.split("/", 1)
            return f"{mapping[endpoint]}/{mapping.get(subnet, subnet)}"
    return value


def test_plan_model_has_the_state_structure_with_addresses_as_ids(applied):
    plan, state, workdir = applied
    # Before apply, every id is the resource's address (the implicit main table and default group: the VPC's).
    assert set(plan.topology.vpcs) == {"aws_vpc.main"}
    assert set(plan.topology.subnets) == {'aws_subnet.private["a"]', 'aws_subnet.private["b"]',
                                          "aws_subnet.public[0]", "aws_subnet.public[1]"}
    # … gateways and endpoints with AWS's id prefix in front (the path finder tells route targets apart by it)
    assert set(plan.topology.endpoints) == {"vpce-module.endpoints.aws_vpc_endpoint.apprunner",
                                            "vpce-module.endpoints.aws_vpc_endpoint.s3"}
    assert set(plan.topology.nat_gateways) == {"nat-aws_nat_gateway.main"}
    assert plan.default_groups == {"aws_vpc.main": "aws_vpc.main.default_security_group_id"}
    assert plan.topology.account == "" and any("account unknown" in n for n in plan.notes)

    by_address = {loc.address: rid for rid, loc in state.locations.items()
                  if loc.address != "aws_vpc.main" or rid in state.topology.vpcs}
    mapping = {rid: by_address[loc.address] for rid, loc in plan.locations.items() if loc.address in by_address
               and (loc.address != "aws_vpc.main" or rid in plan.topology.vpcs)}
    [vpc_id] = state.topology.vpcs
    mapping["aws_vpc.main.default_security_group_id"] = state.default_groups[vpc_id]
    associated = {s.route_table_id for s in state.topology.subnets.values()}
    [main] = [t for t in state.topology.route_tables if t not in associated]
    mapping["aws_vpc.main.main_route_table_id"] = main
    [s3_list] = [p for p in state.topology.prefix_lists.values() if p.name == S3]
    mapping["pl-module.endpoints.aws_vpc_endpoint.s3"] = s3_list.id
    renamed = rename(plan, mapping)
    planned, applied_topology = renamed.topology, state.topology

    for field in ("vpcs", "subnets", "route_tables", "security_groups", "internet_gateways", "peerings"):
        assert getattr(planned, field) == getattr(applied_topology, field), field
    # What only apply knows: DNS names, the s3 list's CIDRs, the NAT's Elastic IP, the default gateway policy.
    for endpoint_id, endpoint in planned.endpoints.items():
        known = applied_topology.endpoints[endpoint_id]
        # interface_ids: one per subnet, in the order of subnet_ids, which Terraform keeps as a set
        assert dataclasses.replace(endpoint, dns_names=known.dns_names, policy=endpoint.policy or known.policy,
                                   interface_ids=tuple(sorted(endpoint.interface_ids))) == dataclasses.replace(
            known, interface_ids=tuple(sorted(known.interface_ids)))
    assert planned.endpoints[mapping["vpce-module.endpoints.aws_vpc_endpoint.s3"]].policy is None
    assert {i.id: (i.subnet_id, i.group_ids) for i in planned.interfaces.values()} == {
        i.id: (i.subnet_id, i.group_ids) for i in applied_topology.interfaces.values()}
    for interface in planned.interfaces.values():  # synthesized inside the subnet's range
        cidr = applied_topology.subnets[interface.subnet_id].cidr
        assert interface.private_ip.rsplit(".", 1)[0] == cidr.rsplit(".", 2)[0] + "." + cidr.split(".")[2]
    assert {n.id: n.subnet_id for n in planned.nat_gateways.values()} == {
        n.id: n.subnet_id for n in applied_topology.nat_gateways.values()}
    assert planned.prefix_lists == applied_topology.prefix_lists  # runnerlink's model range stood for the CIDRs
    assert {a: (c.name, set(c.subnet_ids), set(c.group_ids)) for a, c in renamed.connectors.items()} == {
        a: (c.name, set(c.subnet_ids), set(c.group_ids)) for a, c in state.connectors.items()}
    assert {a: dataclasses.replace(s, status="RUNNING") for a, s in renamed.services.items()} == state.services
    assert renamed.default_groups == state.default_groups
    assert {mapping.get(rid, rid): loc.address for rid, loc in plan.locations.items()} == {
        rid: loc.address for rid, loc in state.locations.items()}

    # Locations: the plan JSON beside the configuration, so files and lines come from its .tf files.
    endpoint = plan.locations["vpce-module.endpoints.aws_vpc_endpoint.apprunner"]
    assert endpoint.file == str(workdir / "modules" / "endpoints" / "main.tf")
    assert open(endpoint.file).read().splitlines()[endpoint.line - 1].startswith(
        'resource "aws_vpc_endpoint" "apprunner"')


def test_plan_and_state_paths_agree(applied):
    """From each subnet (as a build subnet, with the VPC's default group) and from the connector's subnets (its
    group), a call to App Runner, S3 and STS ends the same way in the plan's model as in the state's."""
    plan, state, _ = applied
    subnets = ('aws_subnet.private["a"]', 'aws_subnet.private["b"]', "aws_subnet.public[0]", "aws_subnet.public[1]")
    outcomes = []
    for model in (plan, state):
        context = AuditContext(model, AuditConfig(build_subnets=subnets))
        address = {rid: loc.address for rid, loc in model.locations.items()}
        outcomes.append(sorted((p.kind, address[p.subnet_id], service, context.trace(p, context.host_of(service))
                                .outcome) for p in context.placements for service in ("apprunner", "s3", "sts")))
    assert outcomes[0] == outcomes[1]
    found = {(kind, subnet, service): outcome for kind, subnet, service, outcome in outcomes[1]}
    assert found[("build-subnet", 'aws_subnet.private["a"]', "apprunner")] == "endpoint"
    assert found[("build-subnet", 'aws_subnet.private["a"]', "s3")] == "endpoint"  # the gateway endpoint's route
    assert found[("build-subnet", 'aws_subnet.private["a"]', "sts")] == "internet"  # through the NAT gateway
    assert found[("build-subnet", "aws_subnet.public[0]", "s3")] == "internet"
    assert found[("connector", 'aws_subnet.private["b"]', "apprunner")] == "endpoint"
    assert found[("connector", 'aws_subnet.private["b"]', "sts")] == "unreachable"  # its group allows 443 to the endpoints only


def _by_address(report, locations) -> set[tuple[str, str]]:
    """(rule, Terraform address) of each finding: a plan's ids and the applied ids both map to the address."""
    return {(f.rule, locations[f.resource].address if f.resource in locations else f.resource)
            for f in report.findings}


def test_the_plan_the_state_the_live_server_and_the_aws_api_give_the_same_findings(applied, tf_server):
    """The audit CI runs before apply (the plan) finds what the audit of the applied network finds, read from the
    state, from runnerlink itself and through boto3's Describe*/List* calls."""
    import boto3

    from runnerlink.audit.engine import run_audit
    from runnerlink.audit.sources import aws, runnerlink

    plan, state, workdir = applied
    config = AuditConfig(expected_services=("s3", "sts"))
    session = boto3.Session(aws_access_key_id=ACCOUNT, aws_secret_access_key="test", region_name="us-east-1")
    reports = {"plan": run_audit(plan, config), "state": run_audit(state, config),
               "runnerlink": run_audit(runnerlink.load(tf_server.url, ACCOUNT, "us-east-1"), config),
               "aws": run_audit(aws.load(session, "us-east-1", endpoint_url=tf_server.url), config)}
    found = {name: _by_address(report, (plan if name == "plan" else state).locations)
             for name, report in reports.items()}
    assert found["plan"], "the configuration is built to give findings (a public VPC, no sts endpoint …)"
    assert found["state"] == found["plan"] == found["runnerlink"] == found["aws"]
    rules = {rule for rule, _ in found["plan"]}
    assert {"public-vpc", "expected-endpoint-missing"} <= rules
    # A plan's findings are located at the resource block that declares them.
    located = [f.location for f in reports["plan"].findings if f.location and f.location.file]
    assert located and all(loc.line and (workdir / loc.file).is_file() or os.path.isfile(loc.file)
                           for loc in located)
