"""The Terraform source on saved `terraform show -json` output (tests/unit/audit/data/tf: a plan and a state of the
e2e configuration tests/e2e/terraform/audit, with a copy of its .tf files) and on small hand-made state documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runnerlink.audit.sources.terraform import load
from runnerlink.network.model import Route, Rule

DATA = Path(__file__).parent / "data" / "tf"
# The configuration the saved JSON was made from (the Terraform e2e test applies it): files and lines come from it.
CONFIG = Path(__file__).parents[2] / "e2e" / "terraform" / "audit"
ENDPOINT = "module.endpoints.aws_vpc_endpoint.apprunner"
ENDPOINT_ID = f"vpce-{ENDPOINT}"  # before apply: the address, behind the id prefix the path finder reads
PRIVATE = ('aws_subnet.private["a"]', 'aws_subnet.private["b"]')


@pytest.fixture(scope="module")
def plan():
    return load(DATA / "plan.json", config_dir=CONFIG)


@pytest.fixture(scope="module")
def state():
    return load(DATA / "state.json", config_dir=CONFIG)


def test_plan_ids_are_addresses_of_count_and_for_each_instances(plan):
    topology = plan.topology
    assert set(topology.subnets) == {*PRIVATE, "aws_subnet.public[0]", "aws_subnet.public[1]"}
    assert topology.subnets["aws_subnet.public[1]"].route_table_id == "aws_route_table.public"  # count.index
    assert topology.subnets['aws_subnet.private["b"]'].route_table_id == "aws_route_table.private"  # each.value
    assert topology.subnets['aws_subnet.private["b"]'].zone == "us-east-1b"
    assert topology.region == "us-east-1" and topology.account == ""


def test_plan_follows_references_into_a_child_module(plan):
    endpoint = plan.topology.endpoints[ENDPOINT_ID]
    # vpc_id = var.vpc_id, subnet_ids = var.subnet_ids, … → the module call's arguments in the root module
    assert endpoint.vpc_id == "aws_vpc.main"
    assert endpoint.group_ids == ("aws_security_group.endpoints",)
    assert {plan.topology.interfaces[i].subnet_id for i in endpoint.interface_ids} == set(PRIVATE)
    assert endpoint.private_dns and endpoint.private_dns_name == "apprunner.us-east-1.amazonaws.com"
    assert json.loads(endpoint.policy)["Statement"][0]["Action"] == ["apprunner:List*", "apprunner:Describe*"]
    s3 = plan.topology.endpoints["vpce-module.endpoints.aws_vpc_endpoint.s3"]
    assert s3.type == "Gateway" and s3.policy is None  # no policy given: None, AWS's full access
    assert Route("pl-module.endpoints.aws_vpc_endpoint.s3", s3.id) \
        in plan.topology.route_tables["aws_route_table.private"].routes
    assert plan.topology.prefix_lists["pl-module.endpoints.aws_vpc_endpoint.s3"].cidrs == ("198.51.100.0/25",)


def test_plan_route_targets_and_rule_groups_through_references(plan):
    topology = plan.topology
    assert set(topology.route_tables["aws_route_table.public"].routes) == {
        Route("10.50.0.0/16", "local"), Route("0.0.0.0/0", "igw-aws_internet_gateway.main")}
    assert Route("0.0.0.0/0", "nat-aws_nat_gateway.main") in topology.route_tables["aws_route_table.private"].routes
    assert topology.nat_gateways["nat-aws_nat_gateway.main"].subnet_id == "aws_subnet.public[0]"
    assert topology.security_groups["aws_security_group.connector"].egress == (
        Rule("tcp", 443, 443, group_id="aws_security_group.endpoints"),)
    connector = plan.connectors["aws_apprunner_vpc_connector.main"]
    assert set(connector.subnet_ids) == set(PRIVATE) and connector.group_ids == ("aws_security_group.connector",)
    service = plan.services["aws_apprunner_service.app"]
    assert (service.egress_type, service.connector_arn, service.status, service.instance_role_arn) == (
        "VPC", "aws_apprunner_vpc_connector.main", "", None)


def test_implicit_main_table_and_default_group(plan, state):
    for model in (plan, state):
        [vpc] = model.topology.vpcs.values()
        group = model.default_groups[vpc.id]
        assert model.topology.security_groups[group].ingress == (Rule("-1", group_id=group),)
        assert model.topology.security_groups[group].egress == (Rule("-1", cidr="0.0.0.0/0"),)
        associated = {s.route_table_id for s in model.topology.subnets.values()}
        [main] = [t for t in model.topology.route_tables.values() if t.id not in associated]
        assert main.routes == (Route("10.50.0.0/16", "local"),)
        assert model.locations[main.id].address == model.locations[group].address == "aws_vpc.main"
    assert plan.default_groups == {"aws_vpc.main": "aws_vpc.main.default_security_group_id"}


def test_plan_synthesizes_interface_addresses_in_their_subnets(plan):
    addresses = {i.subnet_id: i.private_ip for i in plan.topology.interfaces.values()}
    assert addresses == {PRIVATE[0]: "10.50.10.4", PRIVATE[1]: "10.50.11.4"}
    assert any("synthesized" in note for note in plan.notes)
    assert any("Terraform addresses" in note for note in plan.notes)


def test_state_everything_known(state):
    topology = state.topology
    assert topology.account == "210000000099"
    [vpc] = topology.vpcs.values()
    assert vpc.id.startswith("vpc-") and (vpc.dns_support, vpc.dns_hostnames) == (True, True)
    assert all(s.startswith("subnet-") for s in topology.subnets)
    [nat] = topology.nat_gateways.values()
    assert nat.public_ip == "203.0.113.184"
    [s3_list] = topology.prefix_lists.values()
    assert s3_list.id.startswith("pl-") and s3_list.cidrs == ("198.51.100.0/25",)
    endpoint = next(e for e in topology.endpoints.values() if e.type == "Interface")
    assert {topology.interfaces[i].private_ip for i in endpoint.interface_ids} == {"10.50.10.4", "10.50.11.4"}
    assert len(endpoint.dns_names) == 3
    assert not state.notes


def test_locations_with_files_and_lines(plan, state):
    # The state has no configuration section: the module's directory comes from the module block in the .tf files.
    [state_endpoint] = [rid for rid, loc in state.locations.items() if loc.address == ENDPOINT]
    for location in (plan.locations[ENDPOINT_ID], state.locations[state_endpoint]):
        assert Path(location.file) == CONFIG / "modules" / "endpoints" / "main.tf" and location.line == 19
    subnet = plan.locations['aws_subnet.private["a"]']
    assert Path(subnet.file) == CONFIG / "network.tf"
    assert Path(subnet.file).read_text().splitlines()[subnet.line - 1] == 'resource "aws_subnet" "private" {'
    endpoint = plan.locations[ENDPOINT_ID]
    assert Path(endpoint.file).read_text().splitlines()[endpoint.line - 1].startswith(
        'resource "aws_vpc_endpoint" "apprunner"')


def test_locations_without_the_configuration(tmp_path, plan):
    copy = tmp_path / "plan.json"
    copy.write_text((DATA / "plan.json").read_text())
    model = load(copy)
    assert model.locations[ENDPOINT_ID].address == ENDPOINT and model.locations[ENDPOINT_ID].file is None
    assert load(copy, config_dir=CONFIG).locations[ENDPOINT_ID] == plan.locations[ENDPOINT_ID]


def test_region_argument_wins(plan):
    assert load(DATA / "plan.json", region="eu-west-1").topology.region == "eu-west-1"


# --- small hand-made states ------------------------------------------------------------------------------------


def state_of(tmp_path, resources: list[dict], children: list[dict] | None = None) -> Path:
    def resource(spec: dict) -> dict:
        spec = dict(spec)
        kind, name = spec.pop("address").split(".")
        return {"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name, "values": spec}

    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format_version": "1.0", "values": {"root_module": {
        "resources": [resource(r) for r in resources], "child_modules": children or []}}}))
    return path


VPC = {"address": "aws_vpc.v", "id": "vpc-1", "cidr_block": "10.0.0.0/16", "main_route_table_id": "rtb-main",
       "default_security_group_id": "sg-default"}
SUBNET = {"address": "aws_subnet.s", "id": "subnet-1", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24",
          "availability_zone": "us-east-1a"}


def test_defaults_dns_policy_groups_and_region(tmp_path):
    model = load(state_of(tmp_path, [VPC, SUBNET, {
        "address": "aws_vpc_endpoint.e", "id": "vpce-1", "vpc_id": "vpc-1", "vpc_endpoint_type": "Interface",
        "service_name": "com.amazonaws.us-east-1.ecr.api", "private_dns_enabled": True, "subnet_ids": ["subnet-1"],
        "security_group_ids": []}]))
    topology = model.topology
    assert (topology.vpcs["vpc-1"].dns_support, topology.vpcs["vpc-1"].dns_hostnames) == (True, False)
    assert topology.subnets["subnet-1"].route_table_id == "rtb-main"
    endpoint = topology.endpoints["vpce-1"]
    assert endpoint.policy is None and endpoint.group_ids == ("sg-default",)
    assert endpoint.private_dns_name == "api.ecr.us-east-1.amazonaws.com"  # AWS reverses dotted services
    [interface] = [topology.interfaces[i] for i in endpoint.interface_ids]
    assert (interface.subnet_id, interface.private_ip, interface.group_ids) == ("subnet-1", "10.0.1.4",
                                                                                ("sg-default",))
    assert topology.region == "us-east-1" and any("region assumed" in n for n in model.notes)


def test_default_resources_rule_resources_and_gateways(tmp_path):
    model = load(state_of(tmp_path, [
        {**VPC, "enable_dns_support": False, "enable_dns_hostnames": True}, SUBNET,
        {"address": "aws_default_security_group.d", "id": "sg-default", "vpc_id": "vpc-1",
         "ingress": [], "egress": [{"protocol": "tcp", "from_port": 443, "to_port": 443,
                                    "cidr_blocks": ["10.0.0.0/16"], "self": False}]},
        {"address": "aws_security_group.g", "id": "sg-1", "vpc_id": "vpc-1", "ingress": [], "egress": []},
        {"address": "aws_vpc_security_group_ingress_rule.r", "security_group_id": "sg-1", "ip_protocol": "tcp",
         "from_port": 443, "to_port": 443, "cidr_ipv4": "10.0.0.0/16"},
        {"address": "aws_vpc_security_group_egress_rule.all", "security_group_id": "sg-1", "ip_protocol": "-1",
         "referenced_security_group_id": "sg-default"},
        {"address": "aws_default_route_table.d", "id": "rtb-main", "default_route_table_id": "rtb-main",
         "vpc_id": "vpc-1", "route": [{"cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-1"}]},
        {"address": "aws_nat_gateway.n", "id": "nat-1", "subnet_id": "subnet-1", "connectivity_type": "private"},
        {"address": "aws_internet_gateway.i", "id": "igw-1"},
        {"address": "aws_internet_gateway_attachment.a", "internet_gateway_id": "igw-1", "vpc_id": "vpc-1"},
        {"address": "aws_vpc.p", "id": "vpc-2", "cidr_block": "10.1.0.0/16"},
        {"address": "aws_vpc_peering_connection.x", "id": "pcx-1", "vpc_id": "vpc-1", "peer_vpc_id": "vpc-2",
         "auto_accept": True},
        {"address": "aws_s3_bucket.b", "id": "bucket"},
    ]), region="us-west-2")
    topology = model.topology
    assert topology.vpcs["vpc-1"].dns_support is False
    assert topology.security_groups["sg-default"].ingress == ()
    assert topology.security_groups["sg-default"].egress == (Rule("tcp", 443, 443, cidr="10.0.0.0/16"),)
    assert topology.security_groups["sg-1"].ingress == (Rule("tcp", 443, 443, cidr="10.0.0.0/16"),)
    assert topology.security_groups["sg-1"].egress == (Rule("-1", group_id="sg-default"),)
    assert topology.route_tables["rtb-main"].routes == (Route("10.0.0.0/16", "local"), Route("0.0.0.0/0", "nat-1"))
    assert topology.nat_gateways["nat-1"].public_ip is None
    assert topology.internet_gateways["igw-1"].vpc_id == "vpc-1"
    assert topology.peerings["pcx-1"].status == "active"
    assert topology.region == "us-west-2"
    assert any("aws_s3_bucket" in n for n in model.notes)


@pytest.mark.parametrize("content, message", [
    ("not json {", "is not JSON"),
    ("[1, 2]", "not the output of `terraform show -json`"),
    ('{"resources": []}', "not the output of `terraform show -json`"),
    ('{"format_version": "1.0", "values": 3}', "values is not an object"),
])
def test_bad_input_is_a_clear_value_error(tmp_path, content, message):
    path = tmp_path / "input.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load(path)


def test_binary_and_missing_files(tmp_path):
    binary = tmp_path / "tfplan"
    binary.write_bytes(b"PK\x03\x04\xff\xfe\x00")
    with pytest.raises(ValueError, match="terraform show -json"):
        load(binary)
    with pytest.raises(ValueError, match="cannot read"):
        load(tmp_path / "absent.json")


def test_an_empty_state_is_an_empty_model(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text('{"format_version": "1.0"}')
    model = load(path)
    assert model.topology.vpcs == {} and model.source == "terraform"


def refs(*names: str) -> dict:
    return {"references": list(names)}


def test_plan_references_through_module_outputs_and_module_instances(tmp_path):
    """A VPC in module.net (its id an output), subnets in the root (count), and module.eps[0..1] each with an
    endpoint in subnet[count.index] of the calling module — before apply, every id unknown."""
    def planned(address, kind, name, values, index=None):
        return {"address": address, "mode": "managed", "type": kind, "name": name, "index": index,
                "values": values}

    endpoint = {"vpc_endpoint_type": "Interface", "service_name": "com.amazonaws.eu-west-1.logs",
                "private_dns_enabled": True}
    plan = {
        "format_version": "1.2",
        "planned_values": {"root_module": {
            "resources": [planned(f"aws_subnet.s[{i}]", "aws_subnet", "s",
                                  {"cidr_block": f"10.9.{i}.0/24", "availability_zone": f"eu-west-1{'ab'[i]}"}, i)
                          for i in (0, 1)],
            "child_modules": [
                {"address": "module.net", "resources": [
                    planned("module.net.aws_vpc.v", "aws_vpc", "v", {"cidr_block": "10.9.0.0/16"})]},
                *({"address": f"module.eps[{i}]", "resources": [
                    planned(f"module.eps[{i}].aws_vpc_endpoint.e", "aws_vpc_endpoint", "e", endpoint)]}
                  for i in (0, 1)),
            ]}},
        "resource_changes": [
            *({"address": f"aws_subnet.s[{i}]", "change": {"after_unknown": {"id": True, "vpc_id": True}}}
              for i in (0, 1)),
            {"address": "module.net.aws_vpc.v", "change": {"after_unknown": {"id": True}}},
            *({"address": f"module.eps[{i}].aws_vpc_endpoint.e", "change": {"after_unknown": {
                "id": True, "vpc_id": True, "subnet_ids": True, "security_group_ids": True, "policy": True}}}
              for i in (0, 1)),
        ],
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "expressions": {"region": {"constant_value": "eu-west-1"}}}},
            "root_module": {
                "resources": [{"address": "aws_subnet.s", "mode": "managed", "type": "aws_subnet", "name": "s",
                               "expressions": {"vpc_id": refs("module.net.vpc_id", "module.net")},
                               "count_expression": {"constant_value": 2}}],
                "module_calls": {
                    "net": {"source": "./net", "module": {
                        "resources": [{"address": "aws_vpc.v", "mode": "managed", "type": "aws_vpc", "name": "v"}],
                        "outputs": {"vpc_id": {"expression": refs("aws_vpc.v.id", "aws_vpc.v")}}}},
                    "eps": {"source": "./eps", "count_expression": {"constant_value": 2},
                            "expressions": {"vpc_id": refs("module.net.vpc_id", "module.net"),
                                            "subnet_id": refs("aws_subnet.s", "count.index")},
                            "module": {"resources": [{
                                "address": "aws_vpc_endpoint.e", "mode": "managed", "type": "aws_vpc_endpoint",
                                "name": "e", "expressions": {"vpc_id": refs("var.vpc_id"),
                                                             "subnet_ids": refs("var.subnet_id")}}]}},
                }}},
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text('# the network\n\nresource "aws_vpc" "v" {\n}\n')
    model = load(path)
    topology = model.topology
    assert topology.region == "eu-west-1"
    assert {s.id: s.vpc_id for s in topology.subnets.values()} == {"aws_subnet.s[0]": "module.net.aws_vpc.v",
                                                                   "aws_subnet.s[1]": "module.net.aws_vpc.v"}
    for i in (0, 1):
        endpoint = topology.endpoints[f"vpce-module.eps[{i}].aws_vpc_endpoint.e"]
        assert endpoint.vpc_id == "module.net.aws_vpc.v"
        assert [topology.interfaces[x].subnet_id for x in endpoint.interface_ids] == [f"aws_subnet.s[{i}]"]
        assert endpoint.group_ids == ("module.net.aws_vpc.v.default_security_group_id",)
        assert endpoint.private_dns_name == "logs.eu-west-1.amazonaws.com" and endpoint.policy is None
    location = model.locations["module.net.aws_vpc.v"]
    assert (location.address, Path(location.file).name, location.line) == ("module.net.aws_vpc.v", "main.tf", 3)
    assert model.locations["vpce-module.eps[0].aws_vpc_endpoint.e"].file is None  # ./eps isn't there
    assert any("default group" in n for n in model.notes)


def test_plan_and_state_paths_agree(plan, state):
    """The plan's ids (addresses; gateways behind their AWS prefix) lead the path finder where the state's ids do."""
    from runnerlink.audit.config import AuditConfig
    from runnerlink.audit.rules.base import AuditContext

    subnets = (*PRIVATE, "aws_subnet.public[0]")
    outcomes = []
    for model in (plan, state):
        context = AuditContext(model, AuditConfig(build_subnets=subnets))
        address = {rid: loc.address for rid, loc in model.locations.items()}
        outcomes.append({(p.kind, address[p.subnet_id], service): context.trace(p, context.host_of(service)).outcome
                         for p in context.placements for service in ("apprunner", "s3", "sts")})
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][("build-subnet", PRIVATE[0], "s3")] == "endpoint"
    assert outcomes[0][("build-subnet", PRIVATE[0], "sts")] == "internet"
    assert outcomes[0][("connector", PRIVATE[0], "sts")] == "unreachable"


def test_managed_prefix_lists_in_rules(tmp_path):
    model = load(state_of(tmp_path, [VPC, {
        "address": "aws_ec2_managed_prefix_list.office", "id": "pl-0office", "name": "office",
        "entry": [{"cidr": "10.40.0.0/24"}]},
        {"address": "aws_ec2_managed_prefix_list_entry.more", "prefix_list_id": "pl-0office", "cidr": "10.41.0.0/24"},
        {"address": "aws_security_group.g", "id": "sg-1", "vpc_id": "vpc-1", "egress": [], "ingress": [
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "prefix_list_ids": ["pl-0office"]}]}]))
    cidrs = ("10.40.0.0/24", "10.41.0.0/24")
    assert model.topology.prefix_lists["pl-0office"].cidrs == cidrs
    assert model.topology.security_groups["sg-1"].ingress == (
        Rule("tcp", 443, 443, prefix_list_id="pl-0office", prefix_cidrs=cidrs),)
