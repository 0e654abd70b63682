"""A running service's outbound requests (issue 10, "How it is shown"): its application calls App Runner's API with
boto3 and no endpoint_url, and the call takes the path AWS would give it — App Runner's own VPC and the internet
with EgressType DEFAULT; with EgressType VPC the connector's subnet decides (nothing without an endpoint or a NAT,
an interface endpoint and its policy, a NAT gateway's Elastic IP). The traffic log names the service."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.conftest import settle
from tests.e2e.app_helpers import FAST_HEALTH, code_source, get_json, wait_settled
from tests.e2e.ec2_fixtures import make_endpoint, make_network
from tests.e2e.test_endpoint_policy import READ_ONLY
from tests.e2e.test_gateway import traffic, wait_available, workloads
from tests.e2e.test_network_trace import public_subnet
from tests.server import RunningServer

HOST = "apprunner.us-east-1.amazonaws.com"
PUBLIC_POOL = ipaddress.ip_network("192.0.2.128/25")
IMAGE = {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                             "ImageRepositoryType": "ECR_PUBLIC"}}

# The app: / answers its health check; /call?op=list|create makes one App Runner call with boto3 (region and
# credentials from its environment, no endpoint_url) and answers its outcome as JSON; /env shows its environment.
CALLER = textwrap.dedent('''\
    import http.server, json, os, urllib.parse
    import boto3, botocore.config, botocore.exceptions

    IMAGE = %r

    def call(op):
        client = boto3.client("apprunner", config=botocore.config.Config(retries={"total_max_attempts": 1},
                                                                         connect_timeout=5, read_timeout=10))
        try:
            if op == "list":
                return {"ok": True, "count": len(client.list_services()["ServiceSummaryList"])}
            client.create_service(ServiceName="made-by-app", SourceConfiguration=IMAGE)
            return {"ok": True}
        except botocore.exceptions.ClientError as error:
            return {"ok": False, "code": error.response["Error"]["Code"],
                    "message": error.response["Error"]["Message"]}
        except botocore.exceptions.BotoCoreError as error:
            # A refused CONNECT's reason (the proxy's 502) is in the cause botocore keeps.
            cause = getattr(error, "kwargs", {}).get("error", "")
            return {"ok": False, "code": type(error).__name__, "message": f"{error} {cause}"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/call":
                answer = call(urllib.parse.parse_qs(url.query).get("op", ["list"])[0])
            elif url.path == "/env":
                answer = dict(os.environ)
            else:
                answer = {"healthy": True}
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
''') % (IMAGE,)

APPRUNNER_YAML = textwrap.dedent('''\
    version: 1.0
    runtime: python3
    build:
      commands:
        build:
          - echo built
    run:
      command: python3 server.py
      network:
        port: 8080
      env:
        - name: NO_PROXY
          value: internal.example
''')


def caller_app(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "server.py").write_text(CALLER)
    (directory / "apprunner.yaml").write_text(APPRUNNER_YAML)
    return directory


def run_service(apprunner, tmp_path: Path, name: str, egress: dict | None = None) -> dict:
    params = {}
    if egress is not None:
        params["NetworkConfiguration"] = {"EgressConfiguration": egress}
    service = apprunner.create_service(ServiceName=name, SourceConfiguration=code_source(f"file://{caller_app(tmp_path / name)}"),
                                       HealthCheckConfiguration=FAST_HEALTH, **params)["Service"]
    return wait_settled(apprunner, service["ServiceArn"])


def app_call(server, service: dict, op: str) -> dict:
    return get_json(server, service["ServiceUrl"], f"/call?op={op}")


def entries_of(server, account: str, **filters) -> list[dict]:
    """The account's traffic-log entries from workloads (the apps' own requests), by the log's filters."""
    return [e for e in traffic(server, **filters) if e["account"] == account and e["source"] == "vpc"]


def runnerlink_log(server, *options: str, as_json: bool = True) -> list:
    done = subprocess.run([sys.executable, "-m", "runnerlink", "log", "--limit", "1000", "--endpoint-url", server.url,
                           *options], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()] if as_json else done.stdout.splitlines()


def connector(apprunner, ec2, network, subnet: str, name: str = "egress") -> str:
    return apprunner.create_vpc_connector(VpcConnectorName=name, Subnets=[subnet],
                                          SecurityGroups=[network.default_group_id])["VpcConnector"]["VpcConnectorArn"]


def vpc_egress(arn: str) -> dict:
    return {"EgressType": "VPC", "VpcConnectorArn": arn}


def test_default_egress_goes_over_the_internet_from_app_runners_vpc(server, account, apprunner, tmp_path):
    service = run_service(apprunner, tmp_path, "caller")
    assert service["Status"] == "RUNNING"
    env = get_json(server, service["ServiceUrl"], "/env")
    assert env["AWS_ACCESS_KEY_ID"] == account and env["AWS_REGION"] == "us-east-1"
    assert env["HTTPS_PROXY"].startswith("http://wl-") and env["AWS_CA_BUNDLE"]
    assert env["NO_PROXY"].split(",") == ["localhost", "127.0.0.1", "::1", "internal.example"]  # the app's added

    assert app_call(server, service, "list") == {"ok": True, "count": 1}  # itself
    [entry] = entries_of(server, account, operation="ListServices")
    assert (entry["source"], entry["outcome"], entry["host"], entry["status"]) == ("vpc", "internet", HOST, 200)
    assert ipaddress.ip_address(entry["keys"]["aws:SourceIp"]) in PUBLIC_POOL
    assert entry["workloadName"] == "apprunner:caller" and entry["owner"] == service["ServiceArn"]
    assert entry["principal"] == f"arn:aws:iam::{account}:root"

    # `runnerlink log --app NAME`: the service's own outbound requests, under its name.
    shown = runnerlink_log(server, "--app", "caller", "--json")
    assert [e["seq"] for e in shown if e["account"] == account] == [entry["seq"]]
    table = runnerlink_log(server, "--app", "caller", "--operation", "ListServices", as_json=False)
    assert any("apprunner:caller/subnet-" in line and "internet" in line for line in table), table


def test_vpc_egress_in_a_private_subnet_without_an_endpoint_fails_naming_the_hop(server, account, apprunner, ec2,
                                                                                 tmp_path):
    network = make_network(ec2)
    subnet = network.subnet_ids[0]
    service = run_service(apprunner, tmp_path, "private", vpc_egress(connector(apprunner, ec2, network, subnet)))
    assert service["Status"] == "RUNNING"
    env = get_json(server, service["ServiceUrl"], "/env")
    assert "AWS_SECRET_ACCESS_KEY" in env and env["AWS_ACCESS_KEY_ID"] == account

    started = time.monotonic()
    answer = app_call(server, service, "list")
    assert time.monotonic() - started < 5  # refused at once, not a hang
    assert (answer["ok"], answer["code"]) == (False, "ProxyConnectionError"), answer
    assert HOST in answer["message"] and "no route from rtb-" in answer["message"]
    [refused] = entries_of(server, account, outcome="unreachable")
    assert (refused["host"], refused["status"], refused["subnet"]) == (HOST, 502, subnet)
    assert refused["hops"][-1]["step"] == "route" and refused["hops"][-1]["ok"] is False
    assert refused["workloadName"] == "apprunner:private" and refused["owner"] == service["ServiceArn"]
    assert "aws:SourceIp" not in (refused["keys"] or {})


def test_vpc_egress_through_an_apprunner_endpoint_and_its_read_only_policy(server, account, apprunner, ec2,
                                                                            tmp_path):
    network = make_network(ec2)
    subnet = network.subnet_ids[0]
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True)["VpcEndpointId"]
    wait_available(ec2, endpoint)
    service = run_service(apprunner, tmp_path, "inside", vpc_egress(connector(apprunner, ec2, network, subnet)))

    assert app_call(server, service, "list") == {"ok": True, "count": 1}
    [entry] = entries_of(server, account, operation="ListServices", outcome="endpoint")
    assert (entry["endpoint"], entry["subnet"], entry["vpc"]) == (endpoint, subnet, network.vpc_id)
    assert entry["address"].startswith("10.0.1.")
    assert entry["keys"]["aws:SourceVpce"] == endpoint and "aws:SourceIp" not in entry["keys"]
    assert entry["workloadName"] == "apprunner:inside"

    # The documentation's read-only endpoint policy: the app may still list, no longer create.
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, PolicyDocument=READ_ONLY)
    assert app_call(server, service, "list")["ok"] is True
    denied = app_call(server, service, "create")
    assert (denied["ok"], denied["code"]) == (False, "AccessDeniedException"), denied
    assert "no VPC endpoint policy allows the apprunner:CreateService action" in denied["message"]
    [create] = entries_of(server, account, operation="CreateService", outcome="endpoint")
    assert create["status"] == 400 and create["decision"]["result"] == "implicitDeny"
    assert create["workloadName"] == "apprunner:inside"
    assert [s["ServiceName"] for s in apprunner.list_services()["ServiceSummaryList"]] == ["inside"]


def test_vpc_egress_through_a_nat_gateway_appears_as_its_elastic_ip(server, account, apprunner, ec2, tmp_path):
    network = make_network(ec2)
    public_subnet(ec2, network, 0)
    address = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=network.subnet_ids[0], AllocationId=address["AllocationId"])
    nat_id = nat["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=network.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    ec2.associate_route_table(RouteTableId=table, SubnetId=network.subnet_ids[1])
    settle()  # the NAT gateway becomes available
    service = run_service(apprunner, tmp_path, "natted",
                          vpc_egress(connector(apprunner, ec2, network, network.subnet_ids[1])))

    assert app_call(server, service, "list")["ok"] is True
    [entry] = entries_of(server, account, operation="ListServices")
    assert (entry["outcome"], entry["subnet"]) == ("internet", network.subnet_ids[1])
    assert entry["keys"]["aws:SourceIp"] == address["PublicIp"]
    assert nat_id in " ".join(h["detail"] for h in entry["hops"])
    assert entry["workloadName"] == "apprunner:natted"


def owned(server, arn: str) -> list[dict]:
    """Every workload the service owns, in its account or App Runner's."""
    return [w for w in workloads(server, "") if w.get("Owner") == arn]


def test_one_workload_per_placement_reused_by_restarts_and_removed_with_the_service(server, account, apprunner,
                                                                                     tmp_path):
    service = run_service(apprunner, tmp_path, "kept")
    arn = service["ServiceArn"]
    [workload] = owned(server, arn)
    assert (workload["Name"], workload["Account"]) == ("apprunner:kept", "000000000001")
    assert ipaddress.ip_address(workload["PublicIp"]) in PUBLIC_POOL

    before = get_json(server, service["ServiceUrl"], "/env")["HTTPS_PROXY"]
    apprunner.pause_service(ServiceArn=arn)
    wait_settled(apprunner, arn)
    apprunner.resume_service(ServiceArn=arn)
    assert wait_settled(apprunner, arn)["Status"] == "RUNNING"
    assert get_json(server, service["ServiceUrl"], "/env")["HTTPS_PROXY"] == before  # the same workload
    assert [w["WorkloadId"] for w in owned(server, arn)] == [workload["WorkloadId"]]

    apprunner.delete_service(ServiceArn=arn)
    wait_settled(apprunner, arn, timeout=20)
    deadline = time.monotonic() + 10
    while owned(server, arn):
        assert time.monotonic() < deadline, owned(server, arn)
        time.sleep(0.1)


def test_a_connector_whose_subnet_is_gone_fails_the_deployment_naming_egress(tmp_path):
    """The reason is in the deployment log (under the state directory, so this test has a server of its own)."""
    running = RunningServer(state=tmp_path / "state").start()
    try:
        account = "123456789012"
        apprunner, ec2 = running.client("apprunner", account=account), running.client("ec2", account=account)
        network = make_network(ec2)
        subnet = network.subnet_ids[1]
        arn = connector(apprunner, ec2, network, subnet, name="gone")
        ec2.delete_subnet(SubnetId=subnet)
        service = run_service(apprunner, tmp_path, "orphan", vpc_egress(arn))
        assert service["Status"] == "CREATE_FAILED"
        [line] = [e["text"] for e in deployment_log(tmp_path / "state", service) if "failed" in e["text"]]
        assert line.startswith("[AppRunner] CREATE_SERVICE failed: egress: VPC connector gone: "), line
        assert subnet in line and "does not exist" in line
        assert workloads(running, account) == []
    finally:
        running.stop()


def deployment_log(state: Path, service: dict) -> list[dict]:
    path = state / "apps" / service["ServiceId"] / "build.log"
    return [json.loads(line) for line in path.read_text().splitlines()]
