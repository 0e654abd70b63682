"""The life of a running service: pause stops its instance and resume starts the same deployment again (no rebuild),
delete stops it and removes its directory, a restarted server brings RUNNING services back up, and an instance that
exits is replaced."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.conftest import wait_for
from tests.e2e.app_helpers import FAST_HEALTH, code_source, get, get_json, python_app, wait_settled
from tests.server import RunningServer


def _admin_get(server, what: str, **params) -> dict:
    query = urllib.parse.urlencode(params)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{server.url}/_runnerlink/apprunner/{what}?{query}", timeout=10) as response:
        return json.load(response)


def local_service(server, arn: str) -> dict:
    """What the server says of the service it runs (GET /_runnerlink/apprunner/services)."""
    account = arn.split(":")[4]
    found = [s for s in _admin_get(server, "services", account=account)["services"] if s["ServiceArn"] == arn]
    assert len(found) == 1, found
    return found[0]


def deployment_log(server, arn: str) -> list[str]:
    return [e["text"] for e in _admin_get(server, "logs", service=arn, streams="build")["entries"]]


def _texts_once_known(server, arn: str) -> list[str]:
    """The deployment log, or nothing while the supervisor hasn't seen the new service yet (404)."""
    try:
        return deployment_log(server, arn)
    except urllib.error.HTTPError as error:
        assert error.code == 404
        return []


def starts(server, arn: str) -> int:
    """How many times an instance of the service has started (the app prints a line when it does)."""
    entries = _admin_get(server, "logs", service=arn, streams="application")["entries"]
    return sum(e["text"].startswith("app starting on") for e in entries)


def refuses(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _running_service(server, apprunner, tmp_path: Path, name: str, version: str = "1") -> dict:
    app = python_app(tmp_path / name, version=version)
    service = apprunner.create_service(ServiceName=name, SourceConfiguration=code_source(f"file://{app}"),
                                       HealthCheckConfiguration=FAST_HEALTH)["Service"]
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    return service


def test_pause_stops_the_instance_and_resume_serves_the_same_deployment_without_a_rebuild(server, apprunner,
                                                                                        tmp_path):
    service = _running_service(server, apprunner, tmp_path, "pausing")
    arn, url = service["ServiceArn"], service["ServiceUrl"]
    before = local_service(server, arn)
    assert before["port"] and before["Status"] == "RUNNING"

    apprunner.pause_service(ServiceArn=arn)
    assert wait_settled(apprunner, arn)["Status"] == "PAUSED"
    wait_for(lambda: refuses(before["port"]), timeout=10)
    status, body = get(server, url)
    assert status == 503 and "PAUSED" in body, (status, body)
    paused = local_service(server, arn)
    assert paused["port"] is None and "PAUSED" in paused["unavailable"]

    python_app(tmp_path / "pausing", version="2")  # a resume restarts what was deployed, not the directory now
    apprunner.resume_service(ServiceArn=arn)
    assert wait_settled(apprunner, arn)["Status"] == "RUNNING"
    assert apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"][0]["Status"] == "SUCCEEDED"
    assert get_json(server, url)["version"] == "1"
    after = local_service(server, arn)
    assert after["deployment"] == before["deployment"] and after["port"]
    assert starts(server, arn) == 2
    texts = deployment_log(server, arn)
    assert sum("checking out" in t for t in texts) == 1, texts  # built once, at creation
    assert any("RESUME_SERVICE succeeded" in t for t in texts), texts


def test_delete_stops_the_instance_and_removes_the_service_directory(server, apprunner, tmp_path):
    service = _running_service(server, apprunner, tmp_path, "deleting")
    arn, url = service["ServiceArn"], service["ServiceUrl"]
    before = local_service(server, arn)
    directory = Path(before["logs"])
    assert (directory / "build.log").exists()

    apprunner.delete_service(ServiceArn=arn)
    assert wait_settled(apprunner, arn)["Status"] == "DELETED"
    wait_for(lambda: refuses(before["port"]), timeout=10)
    wait_for(lambda: not directory.exists(), timeout=10)
    status, body = get(server, url)
    assert status == 404 and url in body
    account = arn.split(":")[4]
    assert _admin_get(server, "services", account=account)["services"] == []


def test_a_restarted_server_brings_its_running_services_back_up(tmp_path):
    state = tmp_path / "state"
    first = RunningServer(state=state).start()
    try:
        service = _running_service(first, first.client(), tmp_path, "survivor")
        arn, url = service["ServiceArn"], service["ServiceUrl"]
        assert get_json(first, url)["version"] == "1"
        port = local_service(first, arn)["port"]
    finally:
        first.stop()
    assert refuses(port)  # the server stopped its instance with it

    second = RunningServer(state=state).start()
    try:
        wait_for(lambda: get(second, url)[0] == 200, timeout=20, interval=0.2)
        assert get_json(second, url)["version"] == "1"
        assert second.client().describe_service(ServiceArn=arn)["Service"]["Status"] == "RUNNING"
        texts = deployment_log(second, arn)
        assert any("again" in t for t in texts), texts  # "Starting deployment … again"
        assert sum("checking out" in t for t in texts) == 1, texts  # from the saved deployment, no rebuild
    finally:
        second.stop()


def test_instances_a_killed_server_left_running_are_ended_by_the_next(tmp_path):
    import signal

    state = tmp_path / "state"
    first = RunningServer(state=state).start()
    try:
        service = _running_service(first, first.client(), tmp_path, "orphaned")
        arn, url = service["ServiceArn"], service["ServiceUrl"]
        port = local_service(first, arn)["port"]
    finally:
        first.stop(sig=signal.SIGKILL)
    assert not refuses(port)  # SIGKILL gave the server no chance to stop its instance

    second = RunningServer(state=state).start()
    try:
        assert refuses(port)  # ended before the new server serves anything
        wait_for(lambda: get(second, url)[0] == 200, timeout=20, interval=0.2)
        assert local_service(second, arn)["port"] != port
    finally:
        second.stop()


def test_an_instance_that_exits_is_replaced(server, apprunner, tmp_path):
    service = _running_service(server, apprunner, tmp_path, "phoenix")
    arn, url = service["ServiceArn"], service["ServiceUrl"]
    before = local_service(server, arn)
    status, _ = get(server, url, "/exit")  # the app ends its process mid-request
    assert status == 502
    deadline = time.monotonic() + 15
    while get(server, url)[0] != 200:
        assert time.monotonic() < deadline, "the instance was not replaced"
        time.sleep(0.2)
    after = local_service(server, arn)
    assert after["port"] and after["deployment"] == before["deployment"]
    assert starts(server, arn) == 2
    texts = deployment_log(server, arn)
    assert any("exited: replacing it" in t for t in texts), texts
    assert any("replaced: it serves on port" in t for t in texts), texts
    assert apprunner.describe_service(ServiceArn=arn)["Service"]["Status"] == "RUNNING"


def test_a_deployment_cut_short_by_a_server_stop_is_carried_out_by_the_next_server(tmp_path):
    app = python_app(tmp_path / "slow", command="python3 slow.py")
    (app / "slow.py").write_text("import time\ntime.sleep(2)\nexec(open('server.py').read())\n")
    state = tmp_path / "state"
    first = RunningServer(state=state).start()
    try:
        apprunner = first.client()
        service = apprunner.create_service(ServiceName="interrupted", SourceConfiguration=code_source(f"file://{app}"),
                                           HealthCheckConfiguration=FAST_HEALTH)["Service"]
        arn = service["ServiceArn"]
        wait_for(lambda: any("Health check:" in t for t in _texts_once_known(first, arn)), timeout=20)
    finally:
        first.stop()  # while the instance is starting: not the deployment's failure
    build_log = next((state / "apps").glob("*/build.log")).read_text()
    assert "CREATE_SERVICE interrupted: runnerlink is stopping" in build_log  # it stopped its instance first

    second = RunningServer(state=state).start()
    try:
        apprunner = second.client()
        assert wait_settled(apprunner, arn)["Status"] == "RUNNING"
        assert apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"][0]["Status"] == "SUCCEEDED"
        assert get_json(second, service["ServiceUrl"])["version"] == "1"
        assert sum("CREATE_SERVICE started" in t for t in deployment_log(second, arn)) == 2
    finally:
        second.stop()
