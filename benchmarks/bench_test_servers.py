"""The pytest plugin's server modes side by side: an in-process server (runnerlink.testing's InProcessServer, the
edge app served by uvicorn in a thread of the test process) and a child `runnerlink serve` (SubprocessServer).

    python benchmarks/bench_test_servers.py              # 3 rounds, 200 DescribeVpcs per round and mode
    python benchmarks/bench_test_servers.py -r 5 -n 500 --json results.json

Each round and mode runs in a fresh Python process (what a pytest session is), the modes alternating round by round:
- start: from start_server() to the first healthy answer — cold (the first server of the process: for in-process
  that includes importing uvicorn and the server, for a child its whole interpreter start) and warm (a second
  server in the same process);
- per request: N boto3 DescribeVpcs from the test process, one client, sequential (what a test does), after one
  warm-up call — mean, p50 and p99 in ms;
- per test: the plugin's reset and traffic mark before each test (two admin requests), mean ms;
- stop: stop() until the server is gone.
Every answer is checked (DescribeVpcs returns the default VPC), so fast errors can't be timed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("inprocess", "subprocess")

CHILD = r"""
import json, statistics, sys, time
mode, count = sys.argv[1], int(sys.argv[2])
started = time.perf_counter()
from runnerlink.testing import Runnerlink, start_server
server = start_server(mode)
cold = time.perf_counter() - started
handle = Runnerlink(server)
ec2 = handle.client("ec2")
assert [v["IsDefault"] for v in ec2.describe_vpcs()["Vpcs"]] == [True]
times = []
for _ in range(count):
    begun = time.perf_counter()
    vpcs = ec2.describe_vpcs()["Vpcs"]
    times.append(time.perf_counter() - begun)
    assert len(vpcs) == 1
resets = []
for _ in range(20):
    begun = time.perf_counter()
    handle.reset()
    handle.mark_traffic()
    resets.append(time.perf_counter() - begun)
begun = time.perf_counter()
server.stop()
stop = time.perf_counter() - begun
begun = time.perf_counter()
again = start_server(mode)
warm = time.perf_counter() - begun
again.stop()
times.sort()
print(json.dumps({"cold": cold, "warm": warm, "stop": stop, "mean": statistics.fmean(times),
                  "p50": times[len(times) // 2], "p99": times[int(len(times) * 0.99) - 1],
                  "reset": statistics.fmean(resets)}))
"""


def run(mode: str, count: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(count)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "RUNNERLINK_CONTAINER_ENGINE": "none"})
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-r", "--rounds", type=int, default=3)
    parser.add_argument("-n", "--requests", type=int, default=200)
    parser.add_argument("--json", help="write every round's figures to this file")
    args = parser.parse_args()
    rounds: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for number in range(args.rounds):
        for mode in MODES if number % 2 == 0 else tuple(reversed(MODES)):
            rounds[mode].append(run(mode, args.requests))
            print(f"round {number + 1} {mode:10}: " + "  ".join(
                f"{k} {v * 1000:.1f}ms" for k, v in rounds[mode][-1].items()), flush=True)
    print(f"\nmedians over {args.rounds} rounds ({args.requests} DescribeVpcs each); load {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    keys = ("cold", "warm", "stop", "mean", "p50", "p99", "reset")
    print(f"{'':12}" + "".join(f"{k:>10}" for k in keys))
    medians = {mode: {k: statistics.median(r[k] for r in rounds[mode]) for k in keys} for mode in MODES}
    for mode in MODES:
        print(f"{mode:12}" + "".join(f"{medians[mode][k] * 1000:>8.1f}ms" for k in keys))
    print(f"{'sub/in':12}" + "".join(f"{medians['subprocess'][k] / medians['inprocess'][k]:>9.2f}x" for k in keys))
    if args.json:
        Path(args.json).write_text(json.dumps({"rounds": rounds, "medians": medians}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
