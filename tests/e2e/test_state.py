"""State snapshots through real clients: a network, App Runner resources and IAM made with boto3, exported, reset,
imported, and every Describe/List/Get answering as before (memory and SQLite stores); each refusal of a bad document,
which changes nothing; `runnerlink state`, `reset` and `wait` as commands, with their exit codes; `serve --init`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest

from tests.e2e.ec2_fixtures import make_endpoint, make_network
from tests.server import RunningServer, free_port

ACCOUNT = "210987654321"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "OnlyListing", "Effect": "Allow", "Principal": "*", "Action": "apprunner:ListServices",
     "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "tasks.apprunner.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
IMAGE = {"AutoDeploymentsEnabled": False, "ImageRepository": {
    "ImageIdentifier": "public.ecr.aws/nginx/nginx:latest", "ImageRepositoryType": "ECR_PUBLIC",
    "ImageConfiguration": {"Port": "80"}}}


def build(server) -> dict:
    """A network, App Runner resources and IAM, made as a user would; what the reads need to find them again."""
    ec2 = server.client("ec2", account=ACCOUNT)
    apprunner = server.client("apprunner", account=ACCOUNT)
    iam = server.client("iam", account=ACCOUNT)
    network = make_network(ec2)
    ec2.create_tags(Resources=[network.vpc_id], Tags=[{"Key": "Name", "Value": "seeded"}])
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True, PolicyDocument=POLICY)["VpcEndpointId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=network.vpc_id)
    table = ec2.create_route_table(VpcId=network.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=network.subnet_ids[0])
    role = iam.create_role(RoleName="app-instance", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="app-instance", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    iam.create_user(UserName="ci")
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    connector = apprunner.create_vpc_connector(VpcConnectorName="egress", Subnets=network.subnet_ids,
                                               SecurityGroups=[network.group_id])["VpcConnector"]["VpcConnectorArn"]
    service = apprunner.create_service(
        ServiceName="seeded-web", SourceConfiguration=IMAGE, InstanceConfiguration={"InstanceRoleArn": role},
        NetworkConfiguration={"EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": connector}},
    )["Service"]["ServiceArn"]
    # In another region, and another account, so the round trip covers several scopes.
    server.client("ec2", account=ACCOUNT, region="eu-west-1").create_vpc(CidrBlock="10.9.0.0/16")
    server.client("ec2", account="109876543210").create_vpc(CidrBlock="10.8.0.0/16")
    time.sleep(1.0)  # past the lifecycle delay: every derived status has settled
    return {"vpc": network.vpc_id, "endpoint": endpoint, "service": service, "connector": connector,
            "key": key}


def reads(server, made: dict) -> dict:
    """Every read the test made resources for, minus ResponseMetadata."""
    ec2 = server.client("ec2", account=ACCOUNT)
    apprunner = server.client("apprunner", account=ACCOUNT)
    iam = server.client("iam", account=ACCOUNT)
    vpc_filter = [{"Name": "vpc-id", "Values": [made["vpc"]]}]
    calls = {
        "DescribeVpcs": lambda: ec2.describe_vpcs(),
        "DescribeSubnets": lambda: ec2.describe_subnets(),
        "DescribeSecurityGroups": lambda: ec2.describe_security_groups(),
        "DescribeVpcEndpoints": lambda: ec2.describe_vpc_endpoints(),
        "DescribeRouteTables": lambda: ec2.describe_route_tables(),
        "DescribeInternetGateways": lambda: ec2.describe_internet_gateways(),
        "DescribeNetworkInterfaces": lambda: ec2.describe_network_interfaces(Filters=vpc_filter),
        "DescribeTags": lambda: ec2.describe_tags(),
        "DescribeVpcAttribute": lambda: ec2.describe_vpc_attribute(VpcId=made["vpc"],
                                                                  Attribute="enableDnsHostnames"),
        "ListServices": lambda: apprunner.list_services(),
        "DescribeService": lambda: apprunner.describe_service(ServiceArn=made["service"]),
        "ListOperations": lambda: apprunner.list_operations(ServiceArn=made["service"]),
        "ListVpcConnectors": lambda: apprunner.list_vpc_connectors(),
        "DescribeVpcConnector": lambda: apprunner.describe_vpc_connector(VpcConnectorArn=made["connector"]),
        "ListAutoScalingConfigurations": lambda: apprunner.list_auto_scaling_configurations(),
        "GetRole": lambda: iam.get_role(RoleName="app-instance"),
        "ListRoles": lambda: iam.list_roles(),
        "GetRolePolicy": lambda: iam.get_role_policy(RoleName="app-instance", PolicyName="read"),
        "ListUsers": lambda: iam.list_users(),
        "ListAccessKeys": lambda: iam.list_access_keys(UserName="ci"),
        "OtherRegion": lambda: server.client("ec2", account=ACCOUNT, region="eu-west-1").describe_vpcs(),
        "OtherAccount": lambda: server.client("ec2", account="109876543210").describe_vpcs(),
    }
    answers = {}
    for name, call in calls.items():
        answer = call()
        answer.pop("ResponseMetadata", None)
        answers[name] = answer
    return answers


def get_state(server) -> dict:
    with urllib.request.urlopen(f"{server.url}/_runnerlink/state", timeout=30) as response:
        return json.load(response)


def post(server, path: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(f"{server.url}/_runnerlink/{path}", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def records_of(document: dict) -> list:
    return document["records"]


def cli(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "runnerlink", *args], input=stdin, capture_output=True,
                          timeout=60, env=env)


@pytest.fixture(scope="module")
def lone():
    """A server of this module's own: an import replaces the whole state, which the shared server can't have."""
    running = RunningServer(state="memory", lifecycle_delay=0.3).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def made(lone) -> dict:
    return build(lone)


def round_trip(server, made: dict) -> None:
    before = reads(server, made)
    document = get_state(server)
    assert document["format"] == "runnerlink-state" and document["version"] == 1
    assert document["exportedAt"].endswith("Z") and document["runnerlink"]

    status, answer = post(server, "reset", b"")
    assert status == 200, answer
    assert get_state(server)["records"] == []
    assert server.client("iam", account=ACCOUNT).list_users()["Users"] == []

    status, answer = post(server, "state", json.dumps(document).encode())
    assert status == 200, answer
    assert answer["imported"]["records"] == len(document["records"])
    assert reads(server, made) == before
    assert records_of(get_state(server)) == records_of(document)
    # An imported user's access key still authenticates.
    as_user = boto3.client("sts", endpoint_url=server.url, region_name="us-east-1",
                           aws_access_key_id=made["key"]["AccessKeyId"],
                           aws_secret_access_key=made["key"]["SecretAccessKey"])
    assert as_user.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/ci"


def test_export_reset_import_gives_every_read_back_identical(lone, made):
    round_trip(lone, made)


def test_the_round_trip_with_the_sqlite_store(tmp_path):
    running = RunningServer(state=tmp_path / "state", lifecycle_delay=0.3).start()
    try:
        round_trip(running, build(running))
    finally:
        running.stop()


BAD = [
    (b"{\"format\": ", "not JSON"),
    (b"[]", "is a JSON object, not a list"),
    (json.dumps({"format": "terraform-state", "version": 1, "records": []}), 'not "terraform-state"'),
    (json.dumps({"version": 1, "records": []}), "not missing"),
    (json.dumps({"format": "runnerlink-state", "version": 2, "records": []}),
     "written by a newer runnerlink (format version 2)"),
    (json.dumps({"format": "runnerlink-state", "version": "1", "records": []}), "version is"),
    (json.dumps({"format": "runnerlink-state", "version": 1}), "records is a list"),
    (json.dumps({"format": "runnerlink-state", "version": 1, "records": {}}), "records is a list"),
    (json.dumps({"format": "runnerlink-state", "version": 1, "records": [
        {"scope": "111122223333/us-east-1", "kind": "vpc", "key": "vpc-1", "parent": None, "record": {}}, 5]}),
     "records[1] is an object"),
    (json.dumps({"format": "runnerlink-state", "version": 1, "records": [
        {"scope": "111122223333/us-east-1", "kind": "vpc", "key": "vpc-1", "record": {}}]}), "records[0] has no parent"),
    (json.dumps({"format": "runnerlink-state", "version": 1, "records": [
        {"scope": "111122223333/us-east-1", "kind": "vpc", "key": 7, "parent": None, "record": {}}]}),
     "records[0].key is a non-empty string"),
    (json.dumps({"format": "runnerlink-state", "version": 1, "records": [
        {"scope": "111122223333/us-east-1", "kind": "vpc", "key": "k", "parent": None, "record": []}]}),
     "records[0].record is a JSON object"),
    (json.dumps({"format": "runnerlink-state", "version": 1, "records": [
        {"scope": "111122223333/us-east-1", "kind": "vpc", "key": "k", "parent": 3, "record": {}}]}),
     "records[0].parent is null or a string"),
    (json.dumps({"format": "runnerlink-state", "version": 1, "records": [
        {"scope": "111122223333/us-east-1", "kind": "vpc", "key": "k", "parent": None, "record": {}},
        {"scope": "111122223333/us-east-1", "kind": "vpc", "key": "k", "parent": None, "record": {"n": 2}}]}),
     "records[1] repeats records[0]"),
    (json.dumps({"format": "runnerlink-state", "version": 1, "records": [
        {"scope": "1234/us-east-1", "kind": "vpc", "key": "k", "parent": None, "record": {}}]}),
     "records[0].scope '1234/us-east-1' is not a scope"),
    (json.dumps({"format": "runnerlink-state", "version": 1, "records": [
        {"scope": "111122223333/us-east-1", "kind": "vpc", "key": "k", "parent": None, "record": {}, "x": 1}]}),
     "records[0] has an unknown field 'x'"),
]


@pytest.mark.parametrize("body, wording", BAD, ids=[wording for _, wording in BAD])
def test_a_bad_document_is_refused_and_changes_nothing(lone, made, body, wording):
    before = records_of(get_state(lone))
    status, answer = post(lone, "state", body if isinstance(body, bytes) else body.encode())
    assert status == 400
    assert answer["error"] == "InvalidStateDocument" and wording in answer["message"], answer["message"]
    assert records_of(get_state(lone)) == before


def test_the_commands_export_reset_and_import(lone, made, tmp_path):
    url = ("--endpoint-url", lone.url)
    before = reads(lone, made)
    saved = tmp_path / "network.json"
    done = cli("state", "export", str(saved), *url)
    assert done.returncode == 0, done.stderr
    assert b"exported" in done.stderr and json.loads(saved.read_text())["format"] == "runnerlink-state"
    to_stdout = cli("state", "export", "-", *url)
    assert to_stdout.returncode == 0 and records_of(json.loads(to_stdout.stdout)) == \
        records_of(json.loads(saved.read_text()))

    done = cli("reset", "--account", "109876543210", *url)
    assert done.returncode == 0 and b"reset account 109876543210: removed" in done.stdout, done
    done = cli("reset", *url)
    assert done.returncode == 0 and b"reset everything" in done.stdout
    assert get_state(lone)["records"] == []

    done = cli("state", "import", str(saved), *url)
    assert done.returncode == 0, done.stderr
    assert reads(lone, made) == before
    done = cli("state", "import", "-", *url, stdin=saved.read_bytes())
    assert done.returncode == 0 and b"imported" in done.stdout

    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"format": "runnerlink-state", "version": 2, "records": []}))
    done = cli("state", "import", str(newer), *url)
    assert done.returncode == 1 and b"newer runnerlink" in done.stderr and b"upgrade runnerlink" in done.stderr
    assert reads(lone, made) == before
    done = cli("state", "import", str(tmp_path / "missing.json"), *url)
    assert done.returncode == 1 and b"cannot read" in done.stderr
    done = cli("reset", "--account", "12", *url)
    assert done.returncode == 1 and b"12-digit" in done.stderr
    for usage in (("state",), ("state", "export"), ("reset", "--bogus"), ("wait", "--timeout", "soon")):
        assert cli(*usage).returncode == 2, usage
    dead = ("--endpoint-url", f"http://127.0.0.1:{free_port()}")
    done = cli("state", "export", str(tmp_path / "never.json"), *dead)
    assert done.returncode == 1 and b"not reachable" in done.stderr and not (tmp_path / "never.json").exists()


def test_wait_succeeds_on_a_live_server_and_times_out_on_a_dead_port(lone):
    done = cli("wait", "--endpoint-url", lone.url)
    assert done.returncode == 0 and b"is up" in done.stdout
    started = time.monotonic()
    done = cli("wait", "--timeout", "0.5", "--interval", "0.1", "--endpoint-url", f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 1 and b"did not answer" in done.stderr and b"0.5 s" in done.stderr
    assert time.monotonic() - started < 5  # the interpreter's start-up, then half a second


def test_wait_blocks_until_a_starting_server_answers(tmp_path):
    port = free_port()
    waiting = subprocess.Popen([sys.executable, "-m", "runnerlink", "wait", "--timeout", "30", "--endpoint-url",
                                f"http://127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    assert waiting.poll() is None  # nothing listens yet
    running = RunningServer(state="memory", port=port).start()
    try:
        assert waiting.wait(timeout=20) == 0
    finally:
        running.stop()


def test_serve_init_seeds_an_empty_state_and_skips_one_that_holds_resources(lone, made, tmp_path):
    seed = tmp_path / "network.json"
    seed.write_text(json.dumps(get_state(lone)))
    seeded = RunningServer(state="memory", extra_args=["--init", str(seed)]).start()
    try:
        assert reads(seeded, made) == reads(lone, made)
        assert "initialised the state from" in seeded.output()
    finally:
        seeded.stop()

    state = tmp_path / "state"
    first = RunningServer(state=state).start()
    try:
        kept = first.client("ec2", account=ACCOUNT).create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    finally:
        first.stop()
    again = RunningServer(state=state, extra_env={"RUNNERLINK_INIT": str(seed)}).start()
    try:
        vpcs = [v["VpcId"] for v in again.client("ec2", account=ACCOUNT).describe_vpcs()["Vpcs"]
                if not v["IsDefault"]]
        assert vpcs == [kept]
        assert "skipped: the state" in again.output()
    finally:
        again.stop()


@pytest.mark.parametrize("content, wording", [
    (None, "No such file"),
    ("{}", "not a state document runnerlink can import"),
    (json.dumps({"format": "runnerlink-state", "version": 9, "records": []}), "newer runnerlink"),
])
def test_serve_refuses_to_start_on_a_bad_init_file(tmp_path, content, wording):
    path = tmp_path / "seed.json"
    if content is not None:
        path.write_text(content)
    done = subprocess.run([sys.executable, "-m", "runnerlink", "serve", "--state", "memory", "--port",
                           str(free_port()), "--gateway-port", str(free_port()), "--init", str(path)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert wording in done.stderr and str(path) in done.stderr, done.stderr
