"""EC2 records are stored under their VPC (the store's parent index), and Describe* with a vpc-id filter reads only
those VPCs' records. The index must never miss a record, or such a Describe* would silently leave it out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import network_acls, network_interfaces, route_tables, security_groups, subnets, tags, \
    vpc_endpoints, vpcs
from runnerlink.services.ec2.records import kind as records_kind
from runnerlink.services.ec2.records.network_acls import NETWORK_ACL
from runnerlink.services.ec2.records.network_interfaces import ENI
from runnerlink.services.ec2.records.route_tables import ROUTE_TABLE
from runnerlink.services.ec2.records.subnets import SUBNET
from runnerlink.services.ec2.records.vpc_endpoints import VPC_ENDPOINT
from runnerlink.services.ec2.records.vpcs import VPC
from runnerlink.store import open_store

EC2 = Path(vpcs.__file__).parent
PUT_RECORD = Path(records_kind.__file__)
SCOPE = "123456789012/us-east-1"
SERVICE = "com.amazonaws.us-east-1.apprunner"


def test_every_ec2_write_goes_through_put_record():
    """A direct ctx.tx.put would store the record without its parent."""
    offenders = [f"{path.relative_to(EC2)}:{number}: {line.strip()}"
                 for path in sorted(EC2.rglob("*.py")) if path != PUT_RECORD
                 for number, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"\btx\.put\(", line)]
    assert offenders == []


def _ctx(tx, now: float = 1000.0) -> HandlerContext:
    return HandlerContext(account="123456789012", region="us-east-1", now=now, tx=tx, lifecycle_delay=1.0,
                          request_id="r", principal_arn="arn:aws:iam::123456789012:root")


@pytest.fixture(params=["memory", "sqlite"])
def populated(request, tmp_path):
    """Three VPCs with subnets, endpoints, groups, route tables and ACLs, some tagged, modified and deleted."""
    store = open_store("memory" if request.param == "memory" else str(tmp_path))
    with store.transaction(SCOPE, write=True) as tx:
        ctx = _ctx(tx)
        vpc_ids = [vpcs.create_vpc(ctx, {"CidrBlock": f"10.{n}.0.0/16"})["Vpc"]["VpcId"] for n in range(3)]
        subnet_ids = {}
        for n, vpc_id in enumerate(vpc_ids):
            subnet_ids[vpc_id] = [
                subnets.create_subnet(ctx, {"VpcId": vpc_id, "CidrBlock": f"10.{n}.{i}.0/24",
                                            "AvailabilityZone": f"us-east-1{'ab'[i]}"})["Subnet"]["SubnetId"]
                for i in range(2)]
            security_groups.create_security_group(ctx, {"VpcId": vpc_id, "GroupName": f"g{n}", "Description": "d"})
            route_tables.create_route_table(ctx, {"VpcId": vpc_id})
            network_acls.create_network_acl(ctx, {"VpcId": vpc_id})
        endpoints = []
        for vpc_id in vpc_ids[:2]:
            for service in (SERVICE, "com.amazonaws.us-east-1.logs"):
                endpoints.append(vpc_endpoints.create_vpc_endpoint(ctx, {
                    "VpcId": vpc_id, "ServiceName": service, "VpcEndpointType": "Interface",
                    "SubnetIds": subnet_ids[vpc_id][:1], "PrivateDnsEnabled": False,
                })["VpcEndpoint"]["VpcEndpointId"])
        vpc_endpoints.create_vpc_endpoint(ctx, {"VpcId": vpc_ids[2], "ServiceName": SERVICE,
                                                "VpcEndpointType": "Interface", "ClientToken": "t",
                                                "PrivateDnsEnabled": False})
        tags.create_tags(ctx, {"Resources": [subnet_ids[vpc_ids[0]][0], endpoints[0]],
                               "Tags": [{"Key": "Name", "Value": "x"}]})
        vpc_endpoints.modify_vpc_endpoint(ctx, {"VpcEndpointId": endpoints[1],
                                                "AddSubnetIds": subnet_ids[vpc_ids[0]][1:]})
        vpc_endpoints.delete_vpc_endpoints(ctx, {"VpcEndpointIds": [endpoints[2]]})
        network_interfaces.create_network_interface(ctx, {"SubnetId": subnet_ids[vpc_ids[1]][1]})
    yield store, vpc_ids, endpoints
    store.close()


KINDS = ("vpc", "subnet", "vpc-endpoint", "security-group", "route-table", "network-acl", "network-interface")


def test_every_record_with_a_vpc_is_found_under_it(populated):
    store, vpc_ids, _ = populated
    with store.transaction(SCOPE) as tx:
        for kind in KINDS:
            records = tx.scan(kind)
            assert records, kind
            for vpc_id in {r["VpcId"] for r in records}:
                assert tx.scan(kind, parent=vpc_id) == [r for r in records if r["VpcId"] == vpc_id], kind


@pytest.mark.parametrize("values", [["{0}"], ["{1}", "{0}"], ["{0}", "vpc-0123456789abcdef0"], [], ["vpc-*"],
                                    ["{0}?"]])  # "{0}?": the first VPC's id with its last character a wildcard
@pytest.mark.parametrize("describe, key, kind", [
    (subnets.describe_subnets, "Subnets", SUBNET),
    (vpc_endpoints.describe_vpc_endpoints, "VpcEndpoints", VPC_ENDPOINT),
    (route_tables.describe_route_tables, "RouteTables", ROUTE_TABLE),
    (network_acls.describe_network_acls, "NetworkAcls", NETWORK_ACL),
    (network_interfaces.describe_network_interfaces, "NetworkInterfaces", ENI),
    (vpcs.describe_vpcs, "Vpcs", VPC),
])
def test_a_vpc_id_filter_answers_as_a_full_scan_would(populated, describe, key, kind, values):
    store, vpc_ids, _ = populated
    values = [vpc_ids[0][:-1] + "?" if v == "{0}?" else v.format(*vpc_ids) for v in values]
    for extra in ([], [{"Name": "tag:Name", "Values": ["x"]}]):
        filters = [{"Name": "vpc-id", "Values": values}, *extra]
        with store.transaction(SCOPE) as tx:
            ctx = _ctx(tx, now=1000.5)
            got = describe(ctx, {"Filters": filters})[key]
            unnarrowed = records_kind.Kind(**{**kind.__dict__, "parent_filter": None})
            full = [r for r in unnarrowed.describe(ctx, {"Filters": filters}, None, paged=False)[0]]
        assert [r[kind.id_field] for r in got] == [r[kind.id_field] for r in full
                                                  if kind.name != "vpc-endpoint" or r.get("_gone_at") is None
                                                  or ctx.now < r["_gone_at"]]
        if values and "*" not in values[0] and "?" not in values[0] and not extra:
            assert got and all(r["VpcId"] in values for r in got)


def test_describe_reads_only_the_named_records_or_the_filtered_vpcs(populated):
    store, vpc_ids, endpoints = populated
    with store.transaction(SCOPE) as tx:
        ctx = _ctx(tx, now=1000.5)
        scans = []
        real_scan = tx.scan
        tx.scan = lambda kind, parent=None: scans.append((kind, parent)) or real_scan(kind, parent)
        got = vpc_endpoints.describe_vpc_endpoints(ctx, {"VpcEndpointIds": [endpoints[1], endpoints[0]]})
        assert [e["VpcEndpointId"] for e in got["VpcEndpoints"]] == [endpoints[1], endpoints[0]]
        subnet_id = tx.scan("subnet", parent=vpc_ids[0])[0]["SubnetId"]
        assert [s["SubnetId"] for s in subnets.describe_subnets(ctx, {"SubnetIds": [subnet_id]})["Subnets"]] \
            == [subnet_id]
        assert scans == [("subnet", vpc_ids[0])]  # by id: gets, no scans
        scans.clear()
        filters = [{"Name": "vpc-id", "Values": [vpc_ids[0]]}]
        assert len(subnets.describe_subnets(ctx, {"Filters": filters})["Subnets"]) == 2
        assert len(vpc_endpoints.describe_vpc_endpoints(ctx, {"Filters": filters})["VpcEndpoints"]) == 2
        assert scans == [("subnet", [vpc_ids[0]]), ("vpc-endpoint", [vpc_ids[0]])]
        with pytest.raises(Exception) as missing:
            subnets.describe_subnets(ctx, {"SubnetIds": [subnet_id, "subnet-0123456789abcdef0"]})
        assert missing.value.code == "InvalidSubnetID.NotFound"
        with pytest.raises(Exception) as malformed:
            subnets.describe_subnets(ctx, {"SubnetIds": ["nonsense"]})
        assert malformed.value.code == "InvalidSubnetID.Malformed"
