"""runnerlink.testing's servers and handle against real servers: the in-process server's start and clean stop, and
the handle's helpers (reset, state, exec, workloads) through the plugin's own `runnerlink` fixture."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from botocore.exceptions import ClientError

from runnerlink.testing import READ_ONLY_POLICY, Runnerlink, ServerError, ServerOptions, start_server
from runnerlink.testing import servers as servers_module
from runnerlink.workload_client import AdminCallError, admin_call

CALLS = """
import boto3, botocore.exceptions
client = boto3.client("apprunner")
print("listed", len(client.list_services()["ServiceSummaryList"]))
try:
    client.create_service(ServiceName="from-the-vpc", SourceConfiguration={"ImageRepository": {
        "ImageIdentifier": "public.ecr.aws/nginx/nginx:latest", "ImageRepositoryType": "ECR_PUBLIC"}})
    print("created")
except botocore.exceptions.ClientError as error:
    print("refused", error.response["Error"]["Code"])
"""


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_an_in_process_server_stops_cleanly():
    """Edge and gateway on ports of their own; stop() ends the thread, closes both ports and the store."""
    before = set(threading.enumerate())
    server = start_server("inprocess", ServerOptions(store="sqlite"))
    health = server.health()
    edge, gateway = int(server.url.rsplit(":", 1)[1]), health["gateway"]["port"]
    assert health["status"] == "running" and gateway not in (0, edge) and _listening(gateway)
    store = server.app.store
    server.stop()
    assert not _listening(edge) and not _listening(gateway)
    assert [t for t in set(threading.enumerate()) - before if t.name.startswith("runnerlink-")] == []
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        with store.transaction("123456789012/us-east-1") as tx:
            tx.get("vpc", "x")


def test_exec_reaches_app_runner_through_the_endpoint_and_the_read_only_policy_refuses_create(runnerlink):
    network = runnerlink.private_network(endpoint_policy=READ_ONLY_POLICY)
    done = runnerlink.exec(network.subnet_id, [sys.executable, "-c", CALLS],
                           env={"AWS_ENDPOINT_URL": "http://127.0.0.1:1"})  # dropped, as `runnerlink exec` does
    assert done.stdout.split("\n")[:2] == ["listed 0", "refused AccessDeniedException"], done.stderr
    entries = {e["operation"]: e for e in runnerlink.traffic(service="apprunner")}
    assert entries["ListServices"]["outcome"] == "endpoint"
    assert entries["ListServices"]["endpoint"] == network.endpoint_id
    assert entries["CreateService"]["error"] == "AccessDeniedException"
    workloads = [e for e in runnerlink.traffic() if e["operation"] in ("CreateWorkload", "DeleteWorkload")]
    assert [e["operation"] for e in workloads] == ["CreateWorkload", "DeleteWorkload"]  # removed after the command


def test_an_exit_status_comes_back_and_check_raises(runnerlink):
    network = runnerlink.private_network(endpoint=False)
    assert runnerlink.exec(network.subnet_id, [sys.executable, "-c", "raise SystemExit(3)"]).returncode == 3
    with pytest.raises(subprocess.CalledProcessError):
        runnerlink.exec(network.subnet_id, [sys.executable, "-c", "raise SystemExit(3)"], check=True)


def test_a_workload_of_a_subnet_that_does_not_exist_is_refused(runnerlink):
    with pytest.raises(AdminCallError, match="InvalidSubnetID.NotFound"):
        with runnerlink.workload("subnet-0123456789abcdef0"):
            pass


def test_reset_by_account_and_the_state_round_trip(runnerlink):
    other = runnerlink.as_account("111122223333")
    runnerlink.private_network()
    other.client("ec2").create_vpc(CidrBlock="10.5.0.0/16")
    document = runnerlink.export_state()

    runnerlink.reset(account=other.account)
    assert _own_vpcs(other) == [] and _own_vpcs(runnerlink) == ["10.0.0.0/16"]
    runnerlink.reset()
    assert _own_vpcs(runnerlink) == []
    runnerlink.import_state(document)
    assert _own_vpcs(other) == ["10.5.0.0/16"] and _own_vpcs(runnerlink) == ["10.0.0.0/16"]
    endpoints = runnerlink.client("ec2").describe_vpc_endpoints()["VpcEndpoints"]
    assert [e["ServiceName"] for e in endpoints] == ["com.amazonaws.us-east-1.apprunner"]


def test_the_public_variant_has_an_internet_route_and_public_addresses(runnerlink):
    network = runnerlink.private_network(public=True, endpoint=False, zones=3, cidr="10.7.0.0/16")
    ec2 = runnerlink.client("ec2")
    subnets = ec2.describe_subnets(SubnetIds=list(network.subnet_ids))["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == list(network.zones) == [
        "us-east-1a", "us-east-1b", "us-east-1c"]
    assert all(s["MapPublicIpOnLaunch"] for s in subnets) and network.endpoint_id is None
    with runnerlink.workload(network.subnet_id) as workload:
        assert workload.public_ip and workload.private_ip.startswith("10.7.1.")
        assert workload.client("sts").get_caller_identity()["Account"] == runnerlink.account
    [entry] = runnerlink.traffic(operation="GetCallerIdentity")
    assert entry["outcome"] == "internet"


def test_client_errors_come_back_as_aws_errors(runnerlink):
    with pytest.raises(ClientError) as caught:
        runnerlink.client("ec2").describe_vpcs(VpcIds=["vpc-0123456789abcdef0"])
    assert caught.value.response["Error"]["Code"] == "InvalidVpcID.NotFound"


def _own_vpcs(handle) -> list[str]:
    return sorted(v["CidrBlock"] for v in handle.client("ec2").describe_vpcs()["Vpcs"] if not v["IsDefault"])


def test_two_in_process_servers_keep_their_dashboards_apart():
    """The dashboard's caches are the process's: two servers in one process (each store counting its generations
    from the start) must not answer each other's VPC lists."""
    with start_server("inprocess") as first, start_server("inprocess") as second:
        views = []
        for server, cidr in ((first, "10.1.0.0/16"), (second, "10.2.0.0/16")):
            Runnerlink(server).client("ec2").create_vpc(CidrBlock=cidr)
            query = "ui/api/vpcs?account=123456789012&region=us-east-1"
            views.append(sorted(row["cidrs"][0] for row in admin_call(server.url, "GET", query)["vpcs"]
                                if not row["isDefault"]))
    assert views == [["10.1.0.0/16"], ["10.2.0.0/16"]]


@pytest.mark.parametrize("mode", ["inprocess", "subprocess"])
def test_settings_serve_would_refuse_stop_either_mode_with_its_message(mode):
    before = set(threading.enumerate())
    with pytest.raises(ServerError, match="RUNNERLINK_IAM / --iam is one of off, enforce, not 'strict'"):
        start_server(mode, ServerOptions(settings={"iam": "strict"}))
    assert [t.name for t in set(threading.enumerate()) - before if t.name.startswith("runnerlink")] == []


def test_stop_does_not_wait_forever_for_a_request_that_never_finishes():
    server = start_server("inprocess")
    host, port = server.url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port))) as stuck:
        stuck.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part of the body")
        time.sleep(0.2)  # the request is in the app, waiting for the rest of its body
        started = time.monotonic()
        server.stop(timeout=2)
        assert time.monotonic() - started < 4
        assert [t for t in threading.enumerate() if t.name == f"runnerlink-{port}"] == []  # the server ended
    assert not _listening(int(port))


def test_a_gateway_that_cannot_listen_fails_the_start_and_closes_the_store(monkeypatch):
    """The lifespan's startup fails (the gateway's port is taken): start() says so, and closes what the app opened."""
    from runnerlink.server import gateway as gateway_module

    async def refuse(self):
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(gateway_module.Gateway, "start", refuse)
    server = servers_module.InProcessServer(ServerOptions(store="sqlite"))
    opened = []
    real = servers_module.InProcessServer._settings

    def remember(self, port):
        settings = real(self, port)
        opened.append(settings.state)
        return settings

    monkeypatch.setattr(servers_module.InProcessServer, "_settings", remember)
    with pytest.raises(ServerError, match="did not start: the app.s startup failed"):
        server.start(timeout=10)
    assert server.app is None and not os.path.exists(opened[0])  # the temporary state directory is gone too
