"""How long state snapshots and resets take on a large state, for both stores.

    python benchmarks/bench_state.py [--accounts 200] [--repeat 3]

A network (a VPC, three subnets, an endpoint group, an interface endpoint with a policy, an internet gateway and a
route table, an App Runner VPC connector, an IAM role) is made through boto3 in one account and exported; its records
are copied into --accounts accounts (the scopes renamed) to make one large document. Against a real `runnerlink
serve` (memory, then a SQLite state directory) it times: POST /_runnerlink/state (import), GET (export), a reset of
one account, a reset of everything, and a first DescribeVpcs after the import (answered from the imported records).
Each figure is the median of --repeat runs, in seconds, with the document's size and record count.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.ec2_fixtures import make_endpoint, make_network  # noqa: E402
from tests.server import RunningServer  # noqa: E402

SOURCE_ACCOUNT = "100000000000"


def request(server: RunningServer, path: str, data: bytes | None = None) -> bytes:
    req = urllib.request.Request(f"{server.url}/_runnerlink/{path}", data=data, method="GET" if data is None else
                                 "POST")
    with urllib.request.urlopen(req, timeout=600) as response:
        return response.read()


def network_records(server: RunningServer) -> list[dict]:
    ec2 = server.client("ec2", account=SOURCE_ACCOUNT)
    network = make_network(ec2, zones=3)
    make_endpoint(ec2, network, PrivateDnsEnabled=True, PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}))
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=network.vpc_id)
    table = ec2.create_route_table(VpcId=network.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    server.client("apprunner", account=SOURCE_ACCOUNT).create_vpc_connector(
        VpcConnectorName="egress", Subnets=network.subnet_ids, SecurityGroups=[network.group_id])
    server.client("iam", account=SOURCE_ACCOUNT).create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))
    return json.loads(request(server, "state"))["records"]


def large_document(records: list[dict], accounts: int) -> bytes:
    copies = []
    for n in range(accounts):
        account = f"{200000000000 + n}"
        for entry in records:
            # Scopes renamed; the records keep their ids (each account's copy is its own resources to runnerlink).
            copies.append({**entry, "scope": entry["scope"].replace(SOURCE_ACCOUNT, account)})
    return json.dumps({"format": "runnerlink-state", "version": 1, "records": copies}).encode()


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(state: str, document: bytes, repeat: int) -> dict[str, float]:
    figures: dict[str, list[float]] = {}
    server = RunningServer(state=state, lifecycle_delay=0.3).start()
    try:
        for _ in range(repeat):
            figures.setdefault("import", []).append(timed(lambda: request(server, "state", document)))
            ec2 = server.client("ec2", account="200000000000")
            figures.setdefault("first DescribeVpcs", []).append(timed(ec2.describe_vpcs))
            figures.setdefault("export", []).append(timed(lambda: request(server, "state")))
            figures.setdefault("reset one account", []).append(timed(
                lambda: request(server, "reset", b'{"account": "200000000001"}')))
            figures.setdefault("reset everything", []).append(timed(lambda: request(server, "reset", b"")))
    finally:
        server.stop()
    return {name: statistics.median(values) for name, values in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = RunningServer(state="memory").start()
    try:
        records = network_records(source)
    finally:
        source.stop()
    document = large_document(records, args.accounts)
    count = len(records) * args.accounts
    print(f"document: {count} records ({len(records)} per account × {args.accounts}), {len(document) / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory() as directory:
        for name, state in (("memory", "memory"), ("sqlite", directory)):
            figures = measure(state, document, args.repeat)
            print(f"{name:7}" + "  ".join(f"{key} {value:.3f} s" for key, value in figures.items()))


if __name__ == "__main__":
    main()
