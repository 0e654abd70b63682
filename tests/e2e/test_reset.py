"""POST /_runnerlink/reset through real clients: what each scope removes (everything; one account; one region; one
account's region), what it leaves, that nothing stale outlives it (read cache, workloads' proxy credentials, running
applications, the traffic log), that defaults come back as on a fresh server, and the refusals of bad input."""

from __future__ import annotations

import base64
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from tests.e2e.app_helpers import FAST_HEALTH, code_source, get, python_app, wait_settled
from tests.e2e.ec2_fixtures import make_network
from tests.e2e.test_gateway_tunnel import place_workload
from tests.server import RunningServer


def reset(server, body: bytes | dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
    request = urllib.request.Request(f"{server.url}/_runnerlink/reset", data=data, method="POST",
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def traffic(server, since: int | None = None) -> dict:
    query = f"?since={since}&limit=1000" if since is not None else "?limit=1000"
    with urllib.request.urlopen(f"{server.url}/_runnerlink/traffic{query}", timeout=5) as response:
        return json.load(response)


def vpcs(ec2) -> list[dict]:
    return ec2.describe_vpcs()["Vpcs"]


def own_vpcs(ec2) -> list[str]:
    return sorted(v["VpcId"] for v in vpcs(ec2) if not v["IsDefault"])


@pytest.fixture(scope="module")
def lone():
    """A server of this module's own: whole-server and region resets would empty the shared one."""
    running = RunningServer(state="memory", lifecycle_delay=0.3).start()
    yield running
    running.stop()


def test_an_account_reset_removes_its_regions_and_iam_and_leaves_other_accounts(server, account):
    other = str(int(account) + 500000000)
    mine = {region: server.client("ec2", account=account, region=region) for region in ("us-east-1", "eu-west-1")}
    theirs = server.client("ec2", account=other)
    for ec2 in mine.values():
        ec2.create_vpc(CidrBlock="10.1.0.0/16")
    kept = theirs.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    iam = server.client("iam", account=account)
    iam.create_user(UserName="alice")
    server.client("iam", account=other).create_user(UserName="bob")
    apprunner = server.client("apprunner", account=account)
    apprunner.create_auto_scaling_configuration(AutoScalingConfigurationName="scaling")
    assert len(apprunner.list_auto_scaling_configurations()["AutoScalingConfigurationSummaryList"]) >= 1  # cached

    status, answer = reset(server, {"account": account})
    assert status == 200, answer
    assert set(answer["removed"]["scopes"]) == {f"{account}/us-east-1", f"{account}/eu-west-1", f"{account}/global"}
    assert answer["removed"]["traffic"] is False

    for ec2 in mine.values():
        assert own_vpcs(ec2) == []
        defaults = vpcs(ec2)  # seeded again, as on a fresh account
        assert [(v["IsDefault"], v["CidrBlock"]) for v in defaults] == [(True, "172.31.0.0/16")]
    assert iam.list_users()["Users"] == []
    names = [c["AutoScalingConfigurationName"]
             for c in apprunner.list_auto_scaling_configurations()["AutoScalingConfigurationSummaryList"]]
    assert "scaling" not in names  # not the read cache's answer from before the reset
    assert own_vpcs(theirs) == [kept]
    assert [u["UserName"] for u in server.client("iam", account=other).list_users()["Users"]] == ["bob"]


def test_a_workloads_proxy_credentials_are_refused_after_its_accounts_reset(server, account, ec2):
    network = make_network(ec2)
    placed = place_workload(server, account, network.subnet_ids[0])
    proxy = urlsplit(placed["proxy"])

    def through_proxy() -> int:
        auth = base64.b64encode(f"{proxy.username}:{proxy.password}".encode()).decode()
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
            sock.sendall(f"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nProxy-Authorization: Basic "
                         f"{auth}\r\nConnection: close\r\n\r\n".encode())
            return int(sock.recv(4096).split(b" ", 2)[1])

    assert through_proxy() != 407
    assert reset(server, {"account": account})[0] == 200
    assert through_proxy() == 407
    with urllib.request.urlopen(f"{server.url}/_runnerlink/workloads?account={account}", timeout=5) as response:
        assert json.load(response)["workloads"] == []


def test_a_region_reset_empties_that_region_of_every_account_and_nothing_else(lone):
    a, b = "111111111111", "222222222222"
    made = {}
    for account in (a, b):
        for region in ("us-east-1", "eu-west-1"):
            made[account, region] = lone.client("ec2", account=account, region=region).create_vpc(
                CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        lone.client("iam", account=account).create_user(UserName=f"user-{account}")

    status, answer = reset(lone, {"region": "eu-west-1"})
    assert status == 200
    assert set(answer["removed"]["scopes"]) == {f"{a}/eu-west-1", f"{b}/eu-west-1"}
    for account in (a, b):
        assert own_vpcs(lone.client("ec2", account=account, region="eu-west-1")) == []
        assert own_vpcs(lone.client("ec2", account=account)) == [made[account, "us-east-1"]]
        assert len(lone.client("iam", account=account).list_users()["Users"]) == 1

    status, answer = reset(lone, {"account": a, "region": "us-east-1"})
    assert status == 200 and list(answer["removed"]["scopes"]) == [f"{a}/us-east-1"]
    assert own_vpcs(lone.client("ec2", account=a)) == []
    assert own_vpcs(lone.client("ec2", account=b)) == [made[b, "us-east-1"]]
    assert len(lone.client("iam", account=a).list_users()["Users"]) == 1  # global is a scope of its own

    assert reset(lone, {"region": "global"})[0] == 200
    assert lone.client("iam", account=b).list_users()["Users"] == []


def test_a_whole_reset_empties_every_scope_and_the_traffic_log_but_seq_goes_on(lone):
    ec2 = lone.client("ec2", account="333333333333")
    ec2.create_vpc(CidrBlock="10.0.0.0/16")
    lone.client("iam", account="444444444444").create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))
    before = traffic(lone)
    assert before["requests"]

    status, answer = reset(lone)
    assert status == 200, answer
    assert answer["removed"]["traffic"] is True and answer["removed"]["records"] > 0
    assert answer["trafficSeq"] >= before["last"]
    with urllib.request.urlopen(f"{lone.url}/_runnerlink/state", timeout=5) as response:
        assert json.load(response)["records"] == []
    emptied = traffic(lone)
    assert emptied["requests"] == []  # the reset itself isn't logged: the log starts empty
    with urllib.request.urlopen(f"{lone.url}/_runnerlink/traffic/page?limit=10", timeout=5) as response:
        assert json.load(response)["total"] == 0

    assert own_vpcs(ec2) == []
    assert lone.client("iam", account="444444444444").list_roles()["Roles"] == []
    after = traffic(lone, since=before["last"])["requests"]  # an old cursor still reads what came next
    assert [e["operation"] for e in after] == ["DescribeVpcs", "ListRoles"]
    assert all(e["seq"] > before["last"] for e in after)


def test_reset_stops_the_applications_of_removed_services(lone, tmp_path):
    apprunner = lone.client("apprunner", account="555555555555")
    source = code_source(f"file://{python_app(tmp_path / 'app')}")
    service = apprunner.create_service(ServiceName="webapp", SourceConfiguration=source,
                                       HealthCheckConfiguration=FAST_HEALTH)["Service"]
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    assert get(lone, service["ServiceUrl"])[0] == 200
    with urllib.request.urlopen(f"{lone.url}/_runnerlink/apprunner/services", timeout=5) as response:
        port = next(s["port"] for s in json.load(response)["services"] if s["ServiceArn"] == service["ServiceArn"])

    status, answer = reset(lone, {"account": "555555555555"})
    assert status == 200 and answer["removed"]["applications"] == [service["ServiceArn"]]
    with urllib.request.urlopen(f"{lone.url}/_runnerlink/apprunner/services", timeout=5) as response:
        assert json.load(response)["services"] == []
    assert get(lone, service["ServiceUrl"])[0] == 404
    with pytest.raises(OSError):  # the instance's process is gone, not just unrouted
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


@pytest.mark.parametrize("body, wording", [
    (b"{not json", "not JSON"),
    (b"[1]", "JSON object"),
    ({"account": "12345"}, "12-digit"),
    ({"account": 123456789012}, "12-digit"),
    ({"region": "Mars"}, "region name"),
    ({"region": "us-east-1/x"}, "region name"),
    ({"acount": "123456789012"}, "Unknown field 'acount'"),
])
def test_bad_input_is_a_400_that_changes_nothing(server, account, body, wording):
    ec2 = server.client("ec2", account=account)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    status, answer = reset(server, body)
    assert status == 400
    assert answer["error"] == "InvalidRequest" and wording in answer["message"], answer
    assert own_vpcs(ec2) == [vpc]


def test_a_tunnel_open_before_the_reset_carries_nothing_after_it(server, account, ec2):
    from tests.e2e.test_gateway import make_public
    from tests.e2e.test_gateway_tunnel import Tunnel

    network = make_network(ec2)
    make_public(ec2, network)
    tunnel = Tunnel(place_workload(server, account, network.subnet_ids[0], public_ip=True))
    try:
        assert tunnel.list_services(account) == (200, {"ServiceSummaryList": []})
        assert reset(server, {"account": account})[0] == 200
        assert tunnel.list_services(account) is None  # its workload is gone: the tunnel closes
    finally:
        tunnel.close()


def test_a_reset_during_a_deployment_leaves_no_instance_and_no_workload_behind(lone, tmp_path):
    apprunner = lone.client("apprunner", account="666666666666")
    source = code_source(f"file://{python_app(tmp_path / 'slow', build='sleep 1.5')}")
    service = apprunner.create_service(ServiceName="slow-build", SourceConfiguration=source,
                                       HealthCheckConfiguration=FAST_HEALTH)["Service"]
    assert service["Status"] == "OPERATION_IN_PROGRESS"
    assert reset(lone, {"account": "666666666666"})[0] == 200

    def leftovers() -> tuple[list, list]:
        with urllib.request.urlopen(f"{lone.url}/_runnerlink/workloads", timeout=5) as response:
            owned = [w for w in json.load(response)["workloads"] if w.get("Owner") == service["ServiceArn"]]
        with urllib.request.urlopen(f"{lone.url}/_runnerlink/apprunner/services", timeout=5) as response:
            return owned, json.load(response)["services"]

    deadline = time.monotonic() + 15
    while leftovers() != ([], []):
        assert time.monotonic() < deadline, leftovers()
        time.sleep(0.2)
    time.sleep(3)  # past the build: the deployment's worker has given up, and placed nothing that stayed
    assert leftovers() == ([], [])
    assert apprunner.list_services()["ServiceSummaryList"] == []


def test_an_imported_running_service_is_started_again_as_after_a_restart(lone, tmp_path):
    apprunner = lone.client("apprunner", account="777777777777")
    source = code_source(f"file://{python_app(tmp_path / 'app', version='7')}")
    service = apprunner.create_service(ServiceName="comes-back", SourceConfiguration=source,
                                       HealthCheckConfiguration=FAST_HEALTH)["Service"]
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    with urllib.request.urlopen(f"{lone.url}/_runnerlink/state", timeout=10) as response:
        document = response.read()
    assert reset(lone)[0] == 200
    assert get(lone, service["ServiceUrl"])[0] == 404

    request = urllib.request.Request(f"{lone.url}/_runnerlink/state", data=document, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    deadline = time.monotonic() + 30
    while (answer := get(lone, service["ServiceUrl"]))[0] != 200:  # built again: reset removed its directory
        assert time.monotonic() < deadline, answer
        time.sleep(0.2)
    assert json.loads(answer[1])["version"] == "7"
    assert apprunner.describe_service(ServiceArn=service["ServiceArn"])["Service"]["Status"] == "RUNNING"
