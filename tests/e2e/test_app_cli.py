"""`runnerlink services` and `runnerlink logs` through the real command against the shared server: the table and
JSON, local URLs that curl opens, log lines with timestamps, --build/--application, --since, --follow, errors."""

from __future__ import annotations

import json
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.children import popen_interruptible, wait_explained
from tests.e2e.app_helpers import FAST_HEALTH, code_source, get, get_json, python_app, wait_settled

LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (build|app) +\[([0-9a-f]{8})\] (.*)$")


def runnerlink(server, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "runnerlink", *args, "--endpoint-url", server.url],
                          capture_output=True, text=True, timeout=30)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def parsed(output: str) -> list[tuple[str, str, str, str]]:
    lines = output.splitlines()
    matches = [LINE.match(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches) if not m]
    return [m.groups() for m in matches]  # type: ignore[union-attr]


def _create(apprunner, tmp_path, name: str, **app) -> dict:
    source = code_source(f"file://{python_app(tmp_path / name, **app)}")
    service = apprunner.create_service(ServiceName=name, SourceConfiguration=source,
                                       HealthCheckConfiguration=FAST_HEALTH)["Service"]
    wait_settled(apprunner, service["ServiceArn"])
    return service


def test_services_lists_status_local_url_and_what_serves(server, apprunner, account, tmp_path):
    good = _create(apprunner, tmp_path, "webapp")
    _create(apprunner, tmp_path, "broken", build="exit 5")

    table = runnerlink(server, "services", "--account", account).stdout.splitlines()
    assert table[0].split() == ["NAME", "STATUS", "LOCAL", "URL", "SERVING"]
    rows = {line.split()[0]: line for line in table[1:]}
    assert set(rows) == {"webapp", "broken"}
    local = f"http://{good['ServiceUrl']}.localhost:{server.port}"
    assert rows["webapp"].split()[1] == "RUNNING" and local in rows["webapp"]
    assert re.search(r"deployment [0-9a-f]{8} on port \d+", rows["webapp"])
    assert rows["broken"].split()[1] == "CREATE_FAILED" and "CREATE_FAILED" in rows["broken"]
    assert "exit" in rows["broken"]  # the last failure: the build command's status

    listed = json.loads(runnerlink(server, "services", "--account", account, "--json").stdout)
    web = next(s for s in listed if s["ServiceName"] == "webapp")
    assert web["localUrl"] == local and web["port"] and web["Status"] == "RUNNING"
    assert runnerlink(server, "services", "--account", "000011112222").stdout.strip() == \
        "No App Runner services run here."


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not on PATH")
def test_local_urls_open_with_curl(server, apprunner, account, tmp_path):
    service = _create(apprunner, tmp_path, "browsable", version="local")
    local = f"http://{service['ServiceUrl']}.localhost:{server.port}/page"
    by_name = subprocess.run(["curl", "-sS", "--noproxy", "*", local], capture_output=True, text=True, timeout=10)
    assert by_name.returncode == 0, by_name.stderr  # curl sends *.localhost to the loopback address itself
    assert json.loads(by_name.stdout)["version"] == "local" and json.loads(by_name.stdout)["path"] == "/page"
    by_host = subprocess.run(["curl", "-sS", "--noproxy", "*", "-H", f"Host: {service['ServiceUrl']}",
                              f"{server.url}/"], capture_output=True, text=True, timeout=10)
    assert json.loads(by_host.stdout)["version"] == "local"
    unknown = subprocess.run(["curl", "-sS", "--noproxy", "*", "-w", "%{http_code}",
                              f"http://nothing.us-east-1.awsapprunner.com.localhost:{server.port}/"],
                             capture_output=True, text=True, timeout=10)
    assert unknown.stdout.endswith("404")


def test_logs_merge_build_and_application_output_with_timestamps(server, apprunner, account, tmp_path):
    service = _create(apprunner, tmp_path, "logged", build="echo compiling-the-app")
    get_json(server, service["ServiceUrl"], "/hello-log")
    started = time.time()

    both = parsed(runnerlink(server, "logs", "logged", "--account", account).stdout)
    assert {stream for _, stream, _, _ in both} == {"build", "app"}
    assert [stamp for stamp, *_ in both] == sorted(stamp for stamp, *_ in both)  # merged by time
    assert all(abs(time.mktime(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone - started) < 120
               for stamp, *_ in both)  # UTC
    texts = [text for *_, text in both]
    assert "compiling-the-app" in texts  # the build's own output
    assert any("CREATE_SERVICE succeeded" in t for t in texts) and "request GET /hello-log" in texts
    assert texts.index("compiling-the-app") < texts.index("request GET /hello-log")

    build = parsed(runnerlink(server, "logs", "logged", "--build", "--account", account).stdout)
    assert build and all(stream == "build" for _, stream, _, _ in build)
    app = parsed(runnerlink(server, "logs", "logged", "--application", "--account", account).stdout)
    assert app and all(stream == "app" for _, stream, _, _ in app)
    assert len(build) + len(app) <= len(parsed(runnerlink(server, "logs", "logged", "--account", account).stdout))

    entries = [json.loads(line) for line in
               runnerlink(server, "logs", service["ServiceArn"], "--json", "--application").stdout.splitlines()]
    assert entries and all(e["stream"] == "application" and e["deployment"] for e in entries)
    assert {e["deployment"][:8] for e in entries} == {d for _, _, d, _ in app}


def test_logs_since_shows_only_recent_lines(server, apprunner, account, tmp_path):
    service = _create(apprunner, tmp_path, "recent")
    time.sleep(1.5)
    get_json(server, service["ServiceUrl"], "/late")
    texts = [t for *_, t in parsed(runnerlink(server, "logs", "recent", "--since", "1", "--account", account).stdout)]
    assert "request GET /late" in texts
    assert not any(t.startswith("app starting on") or "CREATE_SERVICE" in t for t in texts)


def test_logs_follow_prints_new_lines_until_ctrl_c(server, apprunner, account, tmp_path):
    service = _create(apprunner, tmp_path, "followed")
    follower = popen_interruptible([sys.executable, "-m", "runnerlink", "logs", "followed", "--application",
                                    "--follow", "--account", account, "--endpoint-url", server.url],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in follower.stdout], daemon=True).start()  # type: ignore

    def wait_line(text: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if text in line:
                return line
        raise AssertionError(f"--follow printed no line with {text!r}")

    try:
        wait_line("app starting on")  # what was there before
        status, _ = get(server, service["ServiceUrl"], "/written-later")
        assert status == 200
        line = wait_line("request GET /written-later", timeout=5)
        assert LINE.match(line.rstrip("\n")).group(2) == "app"
        follower.send_signal(signal.SIGINT)
        assert wait_explained(follower, timeout=10) == 0
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()


def test_logs_errors_are_clear(server, apprunner, account, tmp_path):
    missing = runnerlink(server, "logs", "no-such-service", "--account", account, ok=False)
    assert missing.returncode == 1 and "No service no-such-service" in missing.stderr
    _create(apprunner, tmp_path, "twin")
    west = server.client("apprunner", account=account, region="us-west-2")
    _create(west, tmp_path / "west", "twin")
    ambiguous = runnerlink(server, "logs", "twin", "--account", account, ok=False)
    assert ambiguous.returncode == 1 and "Several services are named twin" in ambiguous.stderr
    assert "us-west-2" in ambiguous.stderr
    assert parsed(runnerlink(server, "logs", "twin", "--account", account, "--region", "us-west-2").stdout)
