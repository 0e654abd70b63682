"""The dashboard's Traffic API through a real `runnerlink serve`: pages, entries and facets over 100,000 logged
requests (a traffic.jsonl written before the server starts), the SSE streams (a boto3 call arrives on
traffic/stream with its outcome; ui/events says the state), and a prompt stop on SIGINT with streams open."""

from __future__ import annotations

import http.client
import json
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest

from tests.server import RunningServer

ENTRIES = 100_000


def synthetic(seq: int) -> dict:
    """A logged request of a realistic shape: a third from a workload through an endpoint, with hops and a decision."""
    n = seq % 6
    base = {"seq": seq, "time": 1.7e9 + seq / 100, "requestId": f"{seq:08x}-0000-4000-8000-000000000000",
            "account": "111122223333", "principal": "arn:aws:iam::111122223333:root", "service": ("apprunner", "ec2",
            "sts")[n % 3], "operation": ("ListServices", "DescribeVpcs", "GetCallerIdentity")[n % 3],
            "region": "us-east-1", "status": 200, "error": None, "message": None, "keys": {}}
    if n < 4:
        return {**base, "source": "internet", "outcome": "internet", "workload": None, "workloadName": None,
                "vpc": None, "subnet": None, "hops": None, "endpoint": None, "decision": None}
    denied = n == 5
    return {**base, "source": "workload", "outcome": "endpoint", "workload": "wl-0123456789abcdef0",
            "workloadName": "worker", "vpc": "vpc-0123456789abcdef0", "subnet": "subnet-0123456789abcdef0",
            "endpoint": "vpce-0123456789abcdef0", "status": 403 if denied else 200,
            "hops": [{"step": "dns", "ok": True, "detail": "private DNS of vpce-0123456789abcdef0"},
                     {"step": "route", "ok": True, "detail": "local in rtb-0123456789abcdef0"},
                     {"step": "security-groups", "ok": True, "detail": "sg-0123456789abcdef0 allows tcp/443"}],
            "decision": {"result": "explicitDeny" if denied else "allowed", "policy": "endpoint",
                         "policyName": "vpce-0123456789abcdef0",
                         "statement": {"sid": "S", "index": 0, "effect": "Deny" if denied else "Allow"}}}


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    state = tmp_path_factory.mktemp("state")
    (state / "traffic.jsonl").write_bytes(b"".join(orjson.dumps(synthetic(seq), option=orjson.OPT_APPEND_NEWLINE)
                                                   for seq in range(1, ENTRIES + 1)))
    running = RunningServer(state=state).start(timeout=30)
    yield running
    running.stop()


def get(server: RunningServer, path: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{server.url}/_runnerlink/{path}", timeout=10) as response:
            return response.status, json.load(response), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, json.load(error), time.monotonic() - started


def test_pages_over_100k_entries_are_quick_at_any_offset(big):
    status, page, _ = get(big, "traffic/page?limit=100")
    assert status == 200 and page["total"] == ENTRIES and page["last"] == ENTRIES == page["anchor"]
    assert [e["seq"] for e in page["entries"]] == list(range(ENTRIES, ENTRIES - 100, -1))
    for query in ("offset=50000", "offset=0&service=ec2", "offset=10000&service=ec2",
                  "offset=5000&outcome=endpoint&decision=explicitDeny", "offset=1000&status=4xx&workload=worker"):
        status, page, took = get(big, f"traffic/page?limit=100&{query}")
        assert status == 200 and len(page["entries"]) == 100 and took < 0.5, (query, took)
    status, page, _ = get(big, "traffic/page?offset=50000&limit=3")
    assert [e["seq"] for e in page["entries"]] == [50000, 49999, 49998]
    status, page, _ = get(big, "traffic/page?decision=explicitDeny&limit=2&anchor=100")
    assert page["total"] == 16 and [e["seq"] for e in page["entries"]] == [95, 89]
    assert all(e["decision"]["result"] == "explicitDeny" and e["status"] == 403 for e in page["entries"])


def test_an_entry_by_seq_and_the_facets(big):
    status, found, _ = get(big, "traffic/entry?seq=17")
    assert status == 200 and found == synthetic(17)
    status, missing, _ = get(big, f"traffic/entry?seq={ENTRIES * 10}")
    assert status == 404 and "no longer holds" in missing["message"]
    status, facets, _ = get(big, "traffic/facets")
    assert status == 200 and {"apprunner", "ec2", "sts"} <= set(facets["service"])
    assert set(facets["outcome"]) >= {"endpoint", "internet"} and "explicitDeny" in facets["decision"]
    assert {"id": "wl-0123456789abcdef0", "name": "worker"} in facets["workload"]
    assert facets["vpc"] == ["vpc-0123456789abcdef0"]


@pytest.mark.parametrize("query, says", [
    ("traffic/page?limit=501", "limit"), ("traffic/page?offset=-1", "offset"), ("traffic/page?status=200", "status"),
    ("traffic/page?outcome=nowhere", "outcome"), ("traffic/page?colour=red", "colour"),
    ("traffic/entry?seq=x", "seq"), ("traffic/entry", "seq"), ("traffic/stream?decision=perhaps", "decision")])
def test_bad_parameters_are_400_with_a_message(big, query, says):
    status, answer, _ = get(big, query)
    assert status == 400 and answer["error"] == "InvalidRequest" and says in answer["message"]


class Events:
    """An SSE stream read with http.client: event name and parsed data, pings skipped."""

    def __init__(self, server: RunningServer, path: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        self.connection.request("GET", f"/_runnerlink/{path}", headers={"accept": "text/event-stream"})
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("content-type").startswith("text/event-stream")

    def next(self) -> tuple[str, dict]:
        name, data = None, []
        while True:
            line = self.response.fp.readline()
            if not line:
                raise EOFError("the stream ended")
            line = line.rstrip(b"\r\n")
            if line.startswith(b"event:"):
                name = line[6:].strip().decode()
            elif line.startswith(b"data:"):
                data.append(line[5:].strip())
            elif not line and data:
                return name, json.loads(b"\n".join(data))

    def close(self) -> None:
        self.connection.close()


def test_the_stream_delivers_a_boto3_call_with_its_outcome(big):
    stream = Events(big, "traffic/stream?service=sts")
    try:
        sts = big.client("sts")
        sent = time.monotonic()
        sts.get_caller_identity()
        name, data = stream.next()
        assert name == "entries" and time.monotonic() - sent < 2
        (entry,) = data["entries"]
        assert entry["service"] == "sts" and entry["operation"] == "GetCallerIdentity"
        assert entry["outcome"] == "internet" and entry["status"] == 200 and entry["seq"] > ENTRIES
        assert data["last"] >= entry["seq"]
        big.client("ec2").describe_vpcs()  # filtered out
        sts.get_caller_identity()
        name, data = stream.next()
        assert [e["operation"] for e in data["entries"]] == ["GetCallerIdentity"]
    finally:
        stream.close()


def test_the_stream_starts_after_since(big):
    stream = Events(big, f"traffic/stream?since={ENTRIES - 3}&outcome=internet")
    try:
        name, data = stream.next()
        assert [e["seq"] for e in data["entries"]][:2] == [ENTRIES - 2, ENTRIES - 1]  # 100,000 came through an endpoint
    finally:
        stream.close()


def test_ui_events_says_the_state_at_once_and_on_change(big):
    stream = Events(big, "ui/events")
    try:
        name, first = stream.next()
        assert name == "state" and set(first) == {"generation", "last"} and first["last"] >= ENTRIES
        big.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")
        name, changed = stream.next()
        assert changed != first and changed["last"] > first["last"]
    finally:
        stream.close()


def test_serve_stops_promptly_on_sigint_with_streams_open(tmp_path):
    running = RunningServer(state=tmp_path).start()
    streams = [Events(running, "traffic/stream"), Events(running, "ui/events")]
    try:
        assert streams[1].next()[0] == "state"
        started = time.monotonic()
        running.process.send_signal(signal.SIGINT)
        running.process.wait(timeout=8)
        assert time.monotonic() - started < 5
        assert running.process.returncode == 0
    finally:
        for stream in streams:
            stream.close()
        running.stop()


# --- the traffic view in headless Chromium (once the dashboard's shell, app.js, is in the package) ------------------
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHELL = Path(__file__).resolve().parents[2] / "src" / "runnerlink" / "server" / "dashboard_assets" / "app.js"


def wait_until(predicate, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("the page never got there")
        time.sleep(0.02)


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}")
@pytest.mark.skipif(not SHELL.exists(), reason="the dashboard's shell (app.js) is not in this tree")
def test_the_traffic_view_over_100k_entries_in_chromium(big):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            _, newest, _ = get(big, "traffic/page?limit=1")  # 100,000 and what the tests before this one sent
            page.goto(f"{big.url}/_runnerlink/ui#/traffic")
            page.wait_for_selector("[data-testid=traffic-row]")
            count = page.locator("[data-testid=traffic-count]")
            wait_until(lambda: f"{newest['total']:,}" in count.text_content())
            rows = page.locator("[data-testid=traffic-list] [data-index]")
            assert 0 < rows.count() < 200  # virtualised
            top = page.locator("[data-testid=traffic-row]").first
            assert top.get_attribute("data-seq") == str(newest["last"])
            assert top.get_attribute("data-service") == newest["entries"][0]["service"]

            top.focus()
            page.keyboard.press("End")
            page.wait_for_selector("[data-testid=traffic-row][data-seq='1']")
            page.keyboard.press("Home")
            page.wait_for_selector(f"[data-testid=traffic-row][data-seq='{newest['last']}']")

            page.select_option("[data-testid=filter-decision]", "explicitDeny")
            wait_until(lambda: f"{ENTRIES // 6:,}" in count.text_content())  # seq 5, 11, 17 …
            assert "decision=explicitDeny" in page.evaluate("location.hash")
            denied = page.locator("[data-testid=traffic-row]").first
            assert denied.get_attribute("data-outcome") == "endpoint"
            denied.press("Enter")
            page.wait_for_selector("[data-testid=traffic-detail] [data-testid=detail-status]")
            assert "403" in page.text_content("[data-testid=detail-status]")
            steps = [(h.get_attribute("data-step"), h.get_attribute("data-ok"))
                     for h in page.locator("[data-testid=hop]").all()]
            assert steps == [("dns", "true"), ("route", "true"), ("security-groups", "true")]
            assert "explicitDeny" in page.text_content("[data-testid=decision]")

            page.goto(f"{big.url}/_runnerlink/ui#/traffic?seq=17")
            page.wait_for_selector("[data-testid=traffic-detail] h3:has-text('#17')")

            page.goto(f"{big.url}/_runnerlink/ui#/traffic?service=sts")
            page.wait_for_selector("[data-testid=traffic-row][data-service=sts]")
            _, newest, _ = get(big, "traffic/page?limit=1")
            big.client("sts").get_caller_identity()  # arrives live at the top
            first = page.locator("[data-testid=traffic-row][aria-posinset='1']")
            wait_until(lambda: int(first.get_attribute("data-seq") or 0) > newest["last"], timeout=5)
            assert first.get_attribute("data-operation") == "GetCallerIdentity"
            assert not errors
        finally:
            browser.close()
