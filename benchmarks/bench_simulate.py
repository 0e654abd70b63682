"""`runnerlink policy simulate` on a 20,000-case file, whole process, next to iam-simulate's `runSimulation`.

    python benchmarks/bench_simulate.py                         # 20,000 cases, best of 5 runs each
    python benchmarks/bench_simulate.py -n 2000 -r 3            # quicker
    python benchmarks/bench_simulate.py --before /work/main/src # also time another source tree of runnerlink

Generates a reproducible case file (benchmarks/simulate_cases.py, fixed seed) and its conversion to iam-simulate's
input, runs both engines once and checks they agree on every decision (cases where the two differ by design are
recognised from their shape, excluded and counted; any other difference makes the script exit 1), then times each
whole process, start-up included: `runnerlink policy simulate FILE > out` and `node simulate_peer/peer.mjs FILE >
out`, alternating, best of `-r` runs. The peer (npm @cloud-copilot/iam-simulate, pinned in
benchmarks/simulate_peer/package.json) is a benchmark peer only; without node or the package the script says so
and times runnerlink alone. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import simulate_cases  # noqa: E402  (a sibling module, not an installed one)

PEER_DIR = HERE / "simulate_peer"
PEER_PACKAGE = PEER_DIR / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"
TARGET = 3.0


def runnerlink_command() -> list[str]:
    """The console script installed beside this interpreter (what a user runs), else `python -m runnerlink`."""
    script = Path(sys.executable).parent / "runnerlink"
    return [str(script)] if script.exists() else [sys.executable, "-m", "runnerlink"]


def peer_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not PEER_PACKAGE.exists():
        return f"@cloud-copilot/iam-simulate is not installed (cd {PEER_DIR.relative_to(HERE.parent)} && npm ci)"
    return None


def peer_version() -> str:
    return json.loads(PEER_PACKAGE.read_text())["version"]


class Engine:
    def __init__(self, label: str, command: list[str], env: dict[str, str] | None = None) -> None:
        self.label, self.command, self.env = label, command, env
        self.walls: list[float] = []
        self.cpus: list[float] = []
        self.answers: list[dict] = []  # the decisions of the checked run
        self.digest = b""  # its output's SHA-256: every timed run must print the same

    def run(self, out: Path) -> tuple[int, float, float]:
        """(exit status, wall seconds, CPU seconds of the child) of one whole run, stdout into `out`."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(out, "wb") as sink:
            start = time.perf_counter()
            status = subprocess.run(self.command, stdout=sink, stderr=subprocess.PIPE, env=self.env).returncode
            wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return status, wall, cpu


def decisions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def check_agreement(cases: list[dict], ours: list[dict], theirs: list[dict] | None) -> tuple[bool, list[str]]:
    """(every case agrees or is excluded, report lines)."""
    lines = []
    errors = [r for r in ours if "error" in r]
    if len(ours) != len(cases) or errors:
        return False, [f"runnerlink answered {len(ours)} of {len(cases)} cases, {len(errors)} errors: {errors[:3]}"]
    counts = collections.Counter(r["decision"] for r in ours)
    lines.append("decisions (runnerlink): " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
    if theirs is None:
        return True, lines
    if len(theirs) != len(cases):
        return False, lines + [f"iam-simulate answered {len(theirs)} of {len(cases)} cases"]
    excluded: collections.Counter = collections.Counter()
    excluded_differ: collections.Counter = collections.Counter()
    wrong = []
    for case, a, b in zip(cases, ours, theirs):
        reason = simulate_cases.semantic_difference(case)
        same = a["id"] == b["id"] and a["decision"] == b.get("decision")
        if reason:
            excluded[reason] += 1
            excluded_differ[reason] += not same
        elif not same:
            wrong.append((case["id"], a["decision"], b.get("decision") or b.get("error")))
    compared = len(cases) - sum(excluded.values())
    lines.append(f"agreement: {compared - len(wrong):,} of {compared:,} compared cases decided alike")
    for reason, count in sorted(excluded.items()):
        lines.append(f"  excluded ({reason}): {count:,} cases, of which {excluded_differ[reason]:,} decided "
                     "differently")
    for case_id, a, b in wrong[:10]:
        lines.append(f"  DIFFERENT {case_id}: runnerlink {a}, iam-simulate {b}")
    return not wrong, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--cases", type=int, default=20000)
    parser.add_argument("-r", "--runs", type=int, default=5, help="timed runs per engine (best one counts)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--dir", type=Path, default=HERE / ".cache" / "simulate", help="where the files go")
    parser.add_argument("--before", type=Path, metavar="SRC",
                        help="also time runnerlink from this source tree (PYTHONPATH=SRC), e.g. main's src/")
    parser.add_argument("--peer-no-reuse", action="store_true",
                        help="also time the peer validating every case's policies anew (peer.mjs --no-reuse)")
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    args = parser.parse_args()

    args.dir.mkdir(parents=True, exist_ok=True)
    ours_file, peer_file = args.dir / "cases.jsonl", args.dir / "peer.jsonl"
    cases = simulate_cases.generate(args.cases, args.seed)
    ours_file.write_text(simulate_cases.dump_lines(cases), encoding="utf-8")

    env = dict(os.environ)
    engines = [Engine("runnerlink", [*runnerlink_command(), "policy", "simulate", str(ours_file)], env)]
    if args.before:
        before_env = {**env, "PYTHONPATH": str(args.before.resolve())}
        engines.append(Engine(f"runnerlink ({args.before})", engines[0].command, before_env))
    missing = peer_missing()
    if missing:
        print(f"iam-simulate peer skipped: {missing}")
    else:
        peer_file.write_text(simulate_cases.dump_lines([simulate_cases.to_peer(c) for c in cases]), encoding="utf-8")
        node = shutil.which("node") or "node"
        engines.append(Engine(f"iam-simulate {peer_version()}", [node, str(PEER_DIR / "peer.mjs"), str(peer_file)]))
        if args.peer_no_reuse:
            engines.append(Engine(f"iam-simulate {peer_version()} --no-reuse",
                                  [node, str(PEER_DIR / "peer.mjs"), "--no-reuse", str(peer_file)]))

    print(f"{len(cases):,} cases (seed {args.seed}); {ours_file.stat().st_size / 1e6:.1f} MB of runnerlink cases"
          + ("" if missing else f", {peer_file.stat().st_size / 1e6:.1f} MB for iam-simulate"))
    # First runs: the answers to check (and a warm-up of the OS's file cache).
    for index, engine in enumerate(engines):
        out = args.dir / f"out-{index}.jsonl"
        status, _, _ = engine.run(out)
        if status != 0:  # every case is valid: runnerlink exits 1 when one is not
            print(f"{engine.label} exited {status}")
            return 1
        engine.digest = hashlib.sha256(out.read_bytes()).digest()
        engine.answers = decisions(out)
    peer = next((e for e in engines if e.label.startswith("iam-simulate")), None)
    ok, report = check_agreement(cases, engines[0].answers, peer.answers if peer else None)
    print("\n".join(report))
    for engine in engines:  # the same engine, another variant (--before, --peer-no-reuse): the same output
        first = engines[0] if engine.label.startswith("runnerlink") else peer
        if first is not None and engine.digest != first.digest:
            print(f"{engine.label} printed different output from {first.label}")
            ok = False
    if not ok:
        return 1

    for _ in range(args.runs):
        for index, engine in enumerate(engines):
            out = args.dir / f"timed-{index}.jsonl"
            status, wall, cpu = engine.run(out)
            if hashlib.sha256(out.read_bytes()).digest() != engine.digest:
                print(f"{engine.label}: a timed run printed different output")
                return 1
            engine.walls.append(wall)
            engine.cpus.append(cpu)

    load = os.getloadavg()[0]
    node_version = "" if missing else subprocess.run(["node", "--version"], capture_output=True, text=True).stdout
    print(f"\nwhole process, best of {args.runs} runs (Python {platform.python_version()}, "
          f"node {node_version.strip() or '-'}, load average {load:.1f})")
    print(f"{'engine':<44} {'best s':>8} {'median s':>9} {'CPU s':>7} {'cases/s':>9}")
    for engine in engines:
        best = min(engine.walls)
        median = sorted(engine.walls)[len(engine.walls) // 2]
        print(f"{engine.label:<44} {best:8.2f} {median:9.2f} {min(engine.cpus):7.2f} {len(cases) / best:9,.0f}")
    peers = [e for e in engines if e.label.startswith("iam-simulate")]
    for engine in (e for e in engines if e.label.startswith("runnerlink")):
        for other in peers:
            ratio = min(other.walls) / min(engine.walls)
            verdict = "met" if ratio >= TARGET else "not met"
            print(f"{other.label} / {engine.label}: {ratio:.2f}x faster (target >= {TARGET:.0f}x: {verdict}; "
                  f"CPU {min(other.cpus) / min(engine.cpus):.2f}x)")
    if args.json:
        args.json.write_text(json.dumps({"cases": len(cases), "seed": args.seed, "load": load, "engines": {
            e.label: {"command": e.command, "wall": e.walls, "cpu": e.cpus} for e in engines}}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
