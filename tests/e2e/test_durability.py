"""Acknowledged means durable: restarts, SIGKILL mid-write, and concurrent creates of one name."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from tests.server import RunningServer

pytestmark = pytest.mark.slow


def test_ctrl_c_stops_cleanly_and_restart_keeps_everything(tmp_path):
    server = RunningServer(state=tmp_path).start()
    client = server.client(account="123456789012")
    arn = client.create_connection(ConnectionName="kept", ProviderType="GITHUB",
                                   Tags=[{"Key": "k", "Value": "v"}])["Connection"]["ConnectionArn"]
    config = client.create_auto_scaling_configuration(AutoScalingConfigurationName="kept-asc", MaxSize=5)
    asc_arn = config["AutoScalingConfiguration"]["AutoScalingConfigurationArn"]
    started = time.monotonic()
    assert server.stop(signal.SIGINT) == 0
    assert time.monotonic() - started < 5

    restarted = RunningServer(state=tmp_path, port=server.port).start()
    try:
        client = restarted.client(account="123456789012")
        assert [c["ConnectionArn"] for c in client.list_connections()["ConnectionSummaryList"]] == [arn]
        assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
        described = client.describe_auto_scaling_configuration(AutoScalingConfigurationArn=asc_arn)
        assert described["AutoScalingConfiguration"]["MaxSize"] == 5
    finally:
        restarted.stop()


def test_sigkill_while_creating_loses_nothing_acknowledged(tmp_path):
    server = RunningServer(state=tmp_path).start()
    acknowledged: list[tuple[str, str]] = []  # (account, connection ARN)
    stop = threading.Event()

    def create_many(worker: int) -> None:
        client = server.client(account=f"{500000000000 + worker:012d}")
        for index in range(10_000):
            if stop.is_set():
                return
            account = f"{500000000000 + worker * 1000 + index // 10:012d}"  # 10 per account: the quota
            client = server.client(account=account) if index % 10 == 0 else client
            try:
                created = client.create_connection(ConnectionName=f"c-{worker}-{index}", ProviderType="GITHUB")
            except (ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError, OSError):
                return
            acknowledged.append((account, created["Connection"]["ConnectionArn"]))

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(create_many, worker) for worker in range(4)]
        deadline = time.monotonic() + 20
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.process.send_signal(signal.SIGKILL)  # mid-stream: requests are in flight
        server.process.wait()
        stop.set()
        for future in futures:
            future.result()
    assert len(acknowledged) >= 40

    with sqlite3.connect(tmp_path / "runnerlink.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    restarted = RunningServer(state=tmp_path, port=server.port).start()
    try:
        by_account: dict[str, set[str]] = {}
        for account, arn in acknowledged:
            by_account.setdefault(account, set()).add(arn)
        for account, arns in by_account.items():
            listed = restarted.client(account=account).list_connections()["ConnectionSummaryList"]
            assert arns <= {c["ConnectionArn"] for c in listed}
            for connection in listed:  # nothing half-written: every stored record is whole
                assert connection["Status"] == "PENDING_HANDSHAKE"
                assert connection["ConnectionArn"].endswith(connection["ConnectionArn"].rsplit("/", 1)[1])
                assert connection["ProviderType"] == "GITHUB" and connection["CreatedAt"]
    finally:
        restarted.stop()


def test_concurrent_creates_of_one_name_make_one_resource(tmp_path):
    server = RunningServer(state=tmp_path).start()
    try:
        barrier = threading.Barrier(16)

        def create(_: int) -> str:
            client = server.client(account="222233334444")
            barrier.wait()
            try:
                client.create_connection(ConnectionName="only-one", ProviderType="GITHUB")
                return "created"
            except ClientError as error:
                return error.response["Error"]["Code"]

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(create, range(16)))
        assert results.count("created") == 1
        assert set(results) == {"created", "InvalidRequestException"}
        listed = server.client(account="222233334444").list_connections()["ConnectionSummaryList"]
        assert [c["ConnectionName"] for c in listed] == ["only-one"]
    finally:
        server.stop()


def test_concurrent_create_service_of_one_name_makes_one_service(server):
    source = {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                                  "ImageRepositoryType": "ECR_PUBLIC"}, "AutoDeploymentsEnabled": False}
    barrier = threading.Barrier(12)

    def create(_: int) -> str:
        client = server.client(account="333344445555")
        barrier.wait()
        try:
            client.create_service(ServiceName="race-web", SourceConfiguration=source)
            return "created"
        except ClientError as error:
            return error.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(create, range(12)))
    assert results.count("created") == 1
    assert set(results) == {"created", "InvalidRequestException"}
    listed = server.client(account="333344445555").list_services()["ServiceSummaryList"]
    assert [s["ServiceName"] for s in listed] == ["race-web"]
