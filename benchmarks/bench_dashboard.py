"""The dashboard's speed: first paint and time to interactive of /_runnerlink/ui, the traffic view over 100,000
logged requests, and the network tab of an account with 1,000 VPCs, in headless Chromium (Playwright,
/usr/bin/chromium); moto's dashboard (/moto-api/) measured in the same run as the peer.

    python benchmarks/bench_dashboard.py                 # 100,000 entries, 1,000 VPCs, 3 rounds, ~2 min
    python benchmarks/bench_dashboard.py --vpcs 0        # no network figures (~1 min)
    python benchmarks/bench_dashboard.py -n 200000 -r 5  # more entries, more rounds
    python benchmarks/bench_dashboard.py --json out.json

One `runnerlink serve` process whose state directory holds a traffic.jsonl of N entries written before it starts
(realistic shapes: a half from the internet, the rest from workloads in 20 VPCs through interface endpoints or
unreachable, with hops, endpoint-policy decisions, 403s). The page is opened fresh for each round (a new browser
context: no cache). Timings come from the page's own clock (performance.now(), paint and long-task entries):

- first paint, first contentful paint (the paint timing entries), DOMContentLoaded, load;
- interactive: the shell is drawn (tabs, the live status saying "live": the event stream is connected) and the main
  thread is quiet (the end of the last long task, if any, before that);
- traffic view: navigation to #/traffic until rows are shown and the count says N; scrolling the list to its middle
  until the rows there are loaded; choosing a service filter until the count and the first row show it;
- network tab (after the traffic rounds, so their count is the file's): 1,000 VPCs with five interface endpoints
  each (bench_audit.py's network, built through boto3, not timed), navigation until the VPC list and the first
  VPC's diagram are drawn (the first round computes the region's audit), then a search for a VPC 90% down the list
  until it is listed, and choosing it until its diagram is drawn;
- the Traffic API straight (urllib, best and median of 20): traffic/page at offset 0 and N/2, with and without
  filters, and the time from a boto3 call to its entry arriving on traffic/stream.

The peer: `python -m moto.server` and its dashboard at /moto-api/, first paint and load, in the same run. It loads
Bootstrap and its table scripts from a CDN; this machine (like any offline one) can't reach it, so requests to other
hosts are refused at once (not left to time out) and the output says what the page could draw without them.
Target (the issue): interactive under 1 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_apprunner import Server, free_port, write_report  # noqa: E402

ACCOUNT = "111122223333"
NETWORK_ACCOUNT = ACCOUNT  # bench_audit.build_network's
CHROMIUM = "/usr/bin/chromium"
TARGET_MS = 1000.0

# Recorded by the page from its first script on: paint and long-task entries, and when conditions first held.
PROBE = """
window.__bench = {longTasks: [], marks: {}};
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longTasks.push([e.startTime, e.duration]);
  }).observe({type: "longtask", buffered: true});
} catch (e) {}
(function watch() {
  const b = window.__bench, q = (s) => document.querySelector(s);
  const status = q("[data-testid=live-status]");
  if (!b.marks.shell && status && /live/.test(status.textContent) && q("[data-testid=tab-traffic]")) {
    b.marks.shell = performance.now();
  }
  if (!b.marks.network && q("[data-testid=diagram] svg") && q("[data-testid=vpc-item]")) {
    b.marks.network = performance.now();
  }
  const count = q("[data-testid=traffic-count]");
  if (!b.marks.rows && q("[data-testid=traffic-row]") && count && count.dataset.count === String(b.expect)) {
    b.marks.rows = performance.now();
  }
  requestAnimationFrame(watch);
})();
"""


# --- the traffic log -----------------------------------------------------------------------------------------------
def synthetic_entries(count: int) -> bytes:
    """count traffic.jsonl lines of the shapes server/pipeline.py writes (seeded: the same file every run)."""
    rnd = random.Random(13)
    calls = [("apprunner", "ListServices"), ("apprunner", "DescribeService"), ("ec2", "DescribeVpcs"),
             ("sts", "GetCallerIdentity"), ("apprunner", "CreateService"), ("iam", "GetRole")]
    templates = []
    for n in range(400):
        service, operation = calls[n % len(calls)]
        v = n % 20
        ids = {k: f"{k}-{v:017x}" for k in ("vpc", "subnet", "rtb", "sg", "vpce")}
        kind = rnd.random()
        base = {"account": ACCOUNT, "principal": f"arn:aws:iam::{ACCOUNT}:root", "principalKind": "root",
                "accessKey": "AKIAIOSFODNN7EXAMPLE", "service": service, "operation": operation, "admin": False,
                "region": "us-east-1", "owner": None, "host": f"{service}.us-east-1.amazonaws.com"}
        if kind < 0.5:
            templates.append({**base, "source": "internet", "workload": None, "workloadName": None, "vpc": None,
                              "subnet": None, "address": "198.51.100.7", "outcome": "internet", "hops": None,
                              "endpoint": None, "keys": {"aws:SourceIp": "198.51.100.7"}, "decision": None,
                              "status": 200, "error": None, "message": None})
            continue
        reachable = kind < 0.85
        result = rnd.choice(["allowed"] * 8 + ["explicitDeny", "implicitDeny"]) if reachable else None
        hops = [{"step": "dns", "ok": True, "detail": f"{base['host']} → 10.0.{v}.10 (private DNS of {ids['vpce']})"},
                {"step": "route", "ok": True, "detail": f"10.0.{v}.10 is local in {ids['rtb']} of {ids['subnet']}"},
                {"step": "security-groups", "ok": reachable,
                 "detail": f"{ids['sg']} {'allows' if reachable else 'does not allow'} tcp/443 from 10.0.{v}.5"}]
        denied = result not in (None, "allowed")
        templates.append({**base, "source": "workload", "workload": f"wl-{v:017x}", "workloadName": f"worker-{v}",
                          "vpc": ids["vpc"], "subnet": ids["subnet"], "address": f"10.0.{v}.5",
                          "outcome": "endpoint" if reachable else "unreachable", "hops": hops,
                          "endpoint": ids["vpce"] if reachable else None,
                          "keys": {"aws:SourceVpce": ids["vpce"], "aws:SourceVpc": ids["vpc"]} if reachable else None,
                          "decision": None if not reachable else {
                              "result": result, "policy": "endpoint", "policyName": ids["vpce"],
                              "statement": ({"sid": "ReadOnly", "index": 0, "effect": "Allow"} if not denied
                                            else {"sid": "DenyWrites", "index": 1, "effect": "Deny"}
                                            if result == "explicitDeny" else None),
                              "action": f"{service}:{operation}", "resource": "*", "missing": None},
                          "status": 403 if denied else 200 if reachable else None,
                          "error": "AccessDeniedException" if denied else None if reachable else "Unreachable",
                          "message": "denied by the endpoint policy" if denied else None if reachable else
                          f"{ids['sg']} refuses tcp/443"})
    start = time.time() - count * 0.01
    out = []
    for seq in range(1, count + 1):
        entry = {"seq": seq, "time": round(start + seq * 0.01, 3), "requestId": f"{seq:08x}-5e1f-4c0d-9a7b-{seq:012x}",
                 **templates[rnd.randrange(len(templates))]}
        out.append(orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE))
    return b"".join(out)


# --- measuring -----------------------------------------------------------------------------------------------------
def get(url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = json.load(response)
    return (time.perf_counter() - started) * 1000, body


def api_latencies(base: str, count: int) -> list[tuple[str, float, float, int]]:
    rows = []
    middle = count // 2
    for label, query in [("page offset 0", "offset=0"), (f"page offset {middle:,}", f"offset={middle}"),
                         ("page offset 0, service=ec2", "offset=0&service=ec2"),
                         ("page offset 10,000, service=ec2", "offset=10000&service=ec2"),
                         ("page offset 0, 3 filters",
                          "offset=0&outcome=endpoint&decision=allowed&vpc=vpc-00000000000000003"),
                         ("page offset 5,000, status=4xx", "offset=5000&status=4xx"),
                         ("entry by seq (file)", "")]:
        url = (f"{base}/_runnerlink/traffic/page?limit=100&{query}" if query
               else f"{base}/_runnerlink/traffic/entry?seq={middle}")
        times = []
        for _ in range(20):
            took, body = get(url)
            times.append(took)
        shown = len(body.get("entries", [body]))
        rows.append((label, min(times), statistics.median(times), shown))
    return rows


def stream_latency(server: Server, rounds: int = 10) -> list[float]:
    """ms from a boto3 call returning to its entry arriving on traffic/stream?service=sts."""
    import boto3

    sts = boto3.client("sts", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id=ACCOUNT,
                       aws_secret_access_key="test")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/_runnerlink/traffic/stream?service=sts")
    response = connection.getresponse()
    arrived: list[float] = []
    done = threading.Event()

    def read() -> None:
        for line in response.fp:
            if line.startswith(b"data:"):
                arrived.append(time.perf_counter())
                if len(arrived) >= rounds:
                    break
        done.set()

    threading.Thread(target=read, daemon=True).start()
    delays = []
    for n in range(rounds):
        sts.get_caller_identity()
        sent = time.perf_counter()
        deadline = sent + 5
        while len(arrived) <= n and time.perf_counter() < deadline:
            time.sleep(0.0005)
        if len(arrived) > n:
            delays.append((arrived[n] - sent) * 1000)
        time.sleep(0.1)
    connection.close()
    return delays


def paint_figures(page) -> dict:
    return page.evaluate("""() => {
        const paint = Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, e.startTime]));
        const nav = performance.getEntriesByType("navigation")[0] || {};
        const b = window.__bench || {longTasks: [], marks: {}};
        return {fp: paint["first-paint"] ?? null, fcp: paint["first-contentful-paint"] ?? null,
                dcl: nav.domContentLoadedEventEnd ?? null, load: nav.loadEventEnd ?? null,
                shell: b.marks.shell ?? null, rows: b.marks.rows ?? null, longTasks: b.longTasks};
    }""")


def wait_mark(page, name: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(f"() => !!(window.__bench && window.__bench.marks.{name})"):
            return
        time.sleep(0.01)
    raise RuntimeError(f"the page never reached {name!r}")


def interactive(figures: dict) -> float:
    """The shell is drawn and connected, and no long task runs after it (Lighthouse's quiet main thread, simply)."""
    ends = [start + duration for start, duration in figures["longTasks"]]
    return max([figures["shell"], figures["fcp"] or 0, *ends])


def measure_shell(browser, url: str, count: int) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(PROBE + f"\nwindow.__bench.expect = {count};")
    page = context.new_page()
    page.goto(f"{url}/_runnerlink/ui")
    wait_mark(page, "shell")
    time.sleep(0.3)  # long tasks right after the shell is drawn still count
    figures = paint_figures(page)
    figures["tti"] = interactive(figures)
    context.close()
    return figures


def measure_traffic(browser, url: str, count: int) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(PROBE + f"\nwindow.__bench.expect = {count};")
    page = context.new_page()
    page.goto(f"{url}/_runnerlink/ui#/traffic")
    wait_mark(page, "rows")
    figures = paint_figures(page)
    middle = count // 2
    figures["scroll"] = page.evaluate("""async (middle) => {
        const list = document.querySelector("[data-testid=traffic-list]");
        const row = () => document.querySelector(`[data-testid=traffic-row][aria-posinset="${middle + 1}"]`);
        const started = performance.now();
        list.scrollTop = middle * 32;
        while (!row()) await new Promise((r) => requestAnimationFrame(r));
        return performance.now() - started;
    }""", middle)
    figures["filter"] = page.evaluate("""async () => {
        const select = document.querySelector("[data-testid=filter-service]");
        const count = document.querySelector("[data-testid=traffic-count]");
        const before = count.dataset.count;
        const started = performance.now();
        select.value = "ec2";
        select.dispatchEvent(new Event("change", {bubbles: true}));
        const ready = () => {
          const first = document.querySelector("[data-testid=traffic-row]");
          return count.dataset.count !== before && first && first.dataset.service === "ec2";
        };
        while (!ready()) await new Promise((r) => requestAnimationFrame(r));
        return performance.now() - started;
    }""")
    figures["filtered"] = int(page.evaluate(
        "() => document.querySelector('[data-testid=traffic-count]').dataset.count"))
    figures["domRows"] = page.evaluate(
        "() => document.querySelectorAll('[data-testid=traffic-list] [data-index]').length")
    context.close()
    return figures


def measure_network(browser, url: str, account: str, far_vpc: str) -> dict:
    """The network tab of an account with many VPCs: navigation until the VPC list and the first VPC's diagram are
    drawn; then a search for a VPC far down the list, and choosing it, until its diagram is drawn."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(PROBE)
    page = context.new_page()
    page.goto(f"{url}/_runnerlink/ui#/network?account={account}")
    wait_mark(page, "network", timeout=60)
    figures = paint_figures(page)
    figures["network"] = page.evaluate("() => window.__bench.marks.network")
    figures["search"] = page.evaluate("""async (vpc) => {
        const started = performance.now();
        const search = document.querySelector("[data-testid=vpc-search]");
        search.value = vpc;
        search.dispatchEvent(new Event("input", {bubbles: true}));
        let item;
        while (!(item = document.querySelector(`[data-testid=vpc-item][data-vpc="${vpc}"]`))) {
          await new Promise((r) => requestAnimationFrame(r));
        }
        const found = performance.now() - started;
        item.click();
        while (!document.querySelector(`[data-testid=diagram] svg[data-vpc="${vpc}"]`)) {
          await new Promise((r) => requestAnimationFrame(r));
        }
        return [found, performance.now() - started];
    }""", far_vpc)
    context.close()
    return figures


def measure_moto(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    refused = []

    def route(request_route):
        host = request_route.request.url.split("/")[2]
        if host.startswith("127.0.0.1") or host.startswith("localhost"):
            request_route.continue_()
        else:
            refused.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(f"{url}/moto-api/", wait_until="load")
    time.sleep(0.3)
    figures = paint_figures(page)
    figures["refused"] = refused
    figures["stylesheets"] = page.evaluate("() => document.styleSheets.length")
    figures["bootstrap"] = page.evaluate("() => typeof window.bootstrap !== 'undefined'")
    context.close()
    return figures


def med(rounds: list[dict], key: str) -> float | None:
    values = [r[key] for r in rounds if r.get(key) is not None]
    return statistics.median(values) if values else None


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:7.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--entries", type=int, default=100_000)
    parser.add_argument("-r", "--rounds", type=int, default=3)
    parser.add_argument("--vpcs", type=int, default=1000,
                        help="VPCs (5 interface endpoints each) for the network tab's figures; 0 skips them")
    parser.add_argument("--json", help="write every round's figures here")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    state = work / "state"
    state.mkdir()
    started = time.perf_counter()
    (state / "traffic.jsonl").write_bytes(synthetic_entries(options.entries))
    size = (state / "traffic.jsonl").stat().st_size
    print(f"traffic.jsonl: {options.entries:,} entries, {size / 1e6:.0f} MB, written in "
          f"{time.perf_counter() - started:.1f} s")
    port = free_port()
    server = Server("runnerlink", [sys.executable, "-m", "runnerlink", "serve", "--state", str(state), "--port",
                                   str(port), "--gateway-port", str(free_port()), "--lifecycle-delay", "0",
                                   "--vpc-quota", str(options.vpcs + 5)], port, "/_runnerlink/health", None)
    moto_port = free_port()
    moto = Server("moto", [sys.executable, "-m", "moto.server", "-p", str(moto_port)], moto_port, "/moto-api/", None)
    report: dict = {"entries": options.entries, "bytes": size}
    try:
        started = time.perf_counter()
        server.start(timeout=60)
        up = time.perf_counter()
        took, first = get(f"{server.url}/_runnerlink/traffic/page?limit=100")
        assert first["total"] == options.entries, first["total"]
        print(f"runnerlink serve: up in {up - started:.2f} s; the first traffic page (waits for the index of the "
              f"files, built at startup) {took:.0f} ms after that")
        moto.start(timeout=60)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            measure_shell(browser, server.url, options.entries)  # warm-up: the server's first asset reads
            shell = [measure_shell(browser, server.url, options.entries) for _ in range(options.rounds)]
            traffic = [measure_traffic(browser, server.url, options.entries) for _ in range(options.rounds)]
            far_vpc = None  # built after the traffic rounds, whose count is the file's
            if options.vpcs:
                from bench_audit import build_network
                started = time.perf_counter()
                build_network(server.url, options.vpcs)
                _, listed = get(f"{server.url}/_runnerlink/ui/api/vpcs?account={NETWORK_ACCOUNT}&offset="
                                f"{options.vpcs * 9 // 10}&limit=1")
                far_vpc = listed["vpcs"][0]["id"]
                print(f"network: {options.vpcs:,} VPCs with {options.vpcs * 5:,} interface endpoints in account "
                      f"{NETWORK_ACCOUNT}, built through boto3 in {time.perf_counter() - started:.0f} s")
            network = [measure_network(browser, server.url, NETWORK_ACCOUNT, far_vpc)
                       for _ in range(options.rounds)] if far_vpc else []
            peer = [measure_moto(browser, moto.url) for _ in range(options.rounds)]
            browser.close()
        api = api_latencies(server.url, options.entries)
        stream = stream_latency(server)
    finally:
        server.stop()
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)

    report.update(shell=shell, traffic=traffic, network=network, moto=peer, api=api, stream=stream)
    print(f"\nmedians of {options.rounds} rounds (ms from navigation, a fresh browser context each; Chromium "
          f"headless, {os.cpu_count()} CPUs)")
    print(f"{'':38} {'runnerlink':>10} {'moto':>10} {'ratio':>7}")
    for label, key in [("first paint", "fp"), ("first contentful paint", "fcp"), ("DOMContentLoaded", "dcl"),
                       ("load", "load")]:
        ours, theirs = med(shell, key), med(peer, key)
        ratio = f"{ours / theirs:7.2f}" if ours and theirs else "      -"
        print(f"{label:38} {ms(ours):>10} {ms(theirs):>10} {ratio}")
    tti = med(shell, "tti")
    print(f"{'interactive (shell drawn, live, quiet)':38} {ms(tti):>10} {'-':>10}       -   target < {TARGET_MS:.0f}: "
          f"{'met' if tti is not None and tti < TARGET_MS else 'NOT met'}")
    print(f"\ntraffic view, {options.entries:,} entries")
    print(f"  navigation → rows shown, count {options.entries:,}:   {ms(med(traffic, 'rows'))} ms "
          f"(first contentful paint {ms(med(traffic, 'fcp')).strip()} ms)")
    print(f"  scroll to the middle → rows there:        {ms(med(traffic, 'scroll'))} ms")
    print(f"  filter service=ec2 → count and rows:      {ms(med(traffic, 'filter'))} ms "
          f"({traffic[-1]['filtered']:,} match)")
    print(f"  rows in the DOM:                          {traffic[-1]['domRows']:>7}")
    if network:
        first = [r for r in network[:1]]
        later = network[1:] or network
        print(f"\nnetwork tab, {options.vpcs:,} VPCs (the first round computes the region's audit; later rounds "
              f"reuse it until the store changes)")
        print(f"  navigation → VPC list and first diagram:  {ms(first[0]['network'])} ms first, "
              f"{ms(med(later, 'network')).strip()} ms later")
        print(f"  search a VPC 90% down → listed:           {ms(statistics.median(r['search'][0] for r in network))} ms")
        print(f"  … → chosen, its diagram drawn:            {ms(statistics.median(r['search'][1] for r in network))} ms")
    print(f"\nTraffic API (best / median of 20, ms; 100 entries a page)")
    for label, best, median, shown in api:
        print(f"  {label:38} {best:7.1f} {median:7.1f}   ({shown} entries)")
    if stream:
        print(f"  boto3 call → its entry on traffic/stream: median {statistics.median(stream):.1f} ms, "
              f"max {max(stream):.1f} ms ({len(stream)} calls; the stream batches for 50 ms)")
    refused = peer[-1]["refused"]
    print(f"\nmoto's dashboard: {len(refused)} requests to other hosts refused (offline): "
          f"{', '.join(sorted({u.split('/')[2] for u in refused})) or 'none'}; without them it has "
          f"{peer[-1]['stylesheets']} stylesheets and {'' if peer[-1]['bootstrap'] else 'no '}Bootstrap script: "
          f"{'it draws unstyled and its tables stay empty' if refused else 'it rendered'}.")
    write_report(options.json, report)
    return 0 if tti is not None and tti < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
