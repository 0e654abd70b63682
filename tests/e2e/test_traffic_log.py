"""`runnerlink log` against a running server: direct requests, filters, JSON lines, --follow, persistence."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

from tests.children import popen_interruptible, wait_explained
from tests.server import RunningServer


def log_command(server, *args: str) -> list[str]:
    return [sys.executable, "-m", "runnerlink", "log", "--endpoint-url", server.url, *args]


def log_json(server, *args: str) -> list[dict]:
    done = subprocess.run(log_command(server, "--json", *args), capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_direct_requests_are_logged_from_the_internet(server, apprunner, ec2, account):
    apprunner.list_services()
    ec2.describe_vpcs()
    mine = [e for e in log_json(server, "--limit", "1000") if e["account"] == account]
    assert [(e["service"], e["operation"]) for e in mine] == [("apprunner", "ListServices"), ("ec2", "DescribeVpcs")]
    for e in mine:
        assert e["source"] == "internet" and e["outcome"] == "internet" and e["status"] == 200
        assert e["principal"] == f"arn:aws:iam::{account}:root"
        assert e["decision"] is None and e["keys"]["aws:SourceIp"]
    assert mine[0]["seq"] < mine[1]["seq"]


def test_filters(server, apprunner, ec2, account):
    apprunner.list_services()
    ec2.describe_subnets()
    only_ec2 = log_json(server, "--service", "ec2", "--operation", "DescribeSubnets", "--limit", "1000")
    assert only_ec2 and all(e["service"] == "ec2" and e["operation"] == "DescribeSubnets" for e in only_ec2)
    assert any(e["account"] == account for e in only_ec2)
    assert all(e["outcome"] == "internet" for e in log_json(server, "--outcome", "internet"))
    assert log_json(server, "--outcome", "endpoint", "--workload", "wl-00000000000000000") == []
    assert len(log_json(server, "--limit", "1")) == 1


def test_human_table(server, apprunner, account):
    apprunner.list_services()
    done = subprocess.run(log_command(server, "--limit", "5"), capture_output=True, text=True, timeout=20)
    lines = done.stdout.splitlines()
    assert lines[0].split()[:4] == ["TIME", "PRINCIPAL", "OPERATION", "SOURCE"]
    assert any(f"arn:aws:iam::{account}:root" in line and "apprunner.ListServices" in line and "internet" in line
               and line.rstrip().endswith("200") for line in lines[1:])


def test_follow_prints_new_requests_promptly_and_stops_on_ctrl_c(server, apprunner, account):
    apprunner.list_services()  # something to show first
    follower = popen_interruptible(log_command(server, "--json", "--follow", "--limit", "1", "--service", "apprunner"),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(10, follower.kill)  # a blocked readline can't hang the suite
    watchdog.start()
    try:
        assert follower.stdout.readline()  # the latest existing entry
        apprunner.list_services()
        sent = time.monotonic()
        deadline = sent + 5
        while time.monotonic() < deadline:
            line = follower.stdout.readline()
            entry = json.loads(line)
            if entry["account"] == account:
                assert time.monotonic() - sent < 1.0
                break
        else:
            raise AssertionError("the new request never appeared")
    finally:
        follower.send_signal(signal.SIGINT)
        assert wait_explained(follower, timeout=5) == 0
        watchdog.cancel()


def test_the_log_persists_in_the_state_directory(tmp_path):
    running = RunningServer(state=tmp_path, lifecycle_delay=0.1).start()
    try:
        running.client("sts", account="123456789012").get_caller_identity()
    finally:
        running.stop()
    lines = [json.loads(line) for line in (tmp_path / "traffic.jsonl").read_text().splitlines()]
    assert [(e["service"], e["operation"]) for e in lines][-1] == ("sts", "GetCallerIdentity")

    again = RunningServer(state=tmp_path, lifecycle_delay=0.1).start()
    try:
        again.client("sts", account="123456789012").get_caller_identity()
        entries = log_json(again, "--service", "sts")
        assert [e["seq"] for e in entries][-2:] == [lines[-1]["seq"], lines[-1]["seq"] + 1]
    finally:
        again.stop()


def test_runnerlink_actions_are_recorded(server, apprunner, ec2, account):
    """complete-handshake, a refused one, and trace: each lands in `runnerlink log` as a local action."""
    arn = apprunner.create_connection(ConnectionName="github", ProviderType="GITHUB")["Connection"]["ConnectionArn"]
    cli = [sys.executable, "-m", "runnerlink"]
    done = subprocess.run([*cli, "complete-handshake", arn, "--endpoint-url", server.url], capture_output=True,
                          text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    missing = arn.replace(arn.rsplit("/", 1)[1], "0" * 32)
    refused = subprocess.run([*cli, "complete-handshake", missing, "--endpoint-url", server.url],
                             capture_output=True, text=True, timeout=20)
    assert refused.returncode == 1
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]  # the default VPC's
    traced = subprocess.run([*cli, "trace", "--subnet", subnet, "--account", account, "--endpoint-url", server.url,
                             "https://apprunner.us-east-1.amazonaws.com/"], capture_output=True, text=True, timeout=20)
    assert traced.returncode == 0, traced.stderr

    local = [e for e in log_json(server, "--outcome", "local", "--limit", "1000") if e["account"] == account]
    assert [(e["service"], e["operation"], e["status"], e["error"]) for e in local] == [
        ("apprunner", "complete-connection-handshake", 200, None),
        ("apprunner", "complete-connection-handshake", 400, "ResourceNotFoundException"),
        ("ec2", "trace", 200, None)]
    assert all(e["admin"] and e["source"] == "local" and e["principal"] is None for e in local)
    table = subprocess.run(log_command(server, "--outcome", "local", "--limit", "1000"), capture_output=True,
                           text=True, timeout=20).stdout
    assert "apprunner.complete-connection-handshake" in table and "ec2.trace" in table
