"""Decisions per second of runnerlink's policy engine, next to moto's condition-less IAM matcher.

    python benchmarks/bench_policy.py                 # 5 rounds of 100,000 decisions per figure
    python benchmarks/bench_policy.py -n 20000 -r 3   # quicker

The case (issue 4; reference iam-evaluation.md section 4): a 3-statement identity policy (List/Describe allowed;
Create/Update/Pause allowed with StringEquals aws:SourceVpce; Delete denied with StringNotEquals aws:SourceVpce) and a
1-statement VPC endpoint policy, compiled once. Requests rotate through an allowed, an explicitly denied and an
implicitly denied App Runner call. moto (a benchmark peer only, never a runnerlink dependency) has no condition
evaluation for identity policies and no endpoint policies, so it gets the same case without conditions, both
policies checked with `IAMPolicy.is_action_permitted`; runnerlink is measured on that condition-less case too.
Every decision is checked once before timing. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import sys
import time

from runnerlink.policy import Request, compile_policy, evaluate

ACCOUNT = "111122223333"
VPCE = "vpce-0123456789abcdef0"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:user/alice"
SERVICE = f"arn:aws:apprunner:us-east-1:{ACCOUNT}:service/web/0123456789abcdef0123456789abcdef"

IDENTITY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"},
    {"Sid": "WriteThroughEndpoint", "Effect": "Allow",
     "Action": ["apprunner:Create*", "apprunner:Update*", "apprunner:PauseService"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:SourceVpce": VPCE}}},
    {"Sid": "NoDeleteElsewhere", "Effect": "Deny", "Action": "apprunner:Delete*", "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:SourceVpce": VPCE}}},
]}
ENDPOINT = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AppRunnerOnly", "Effect": "Allow", "Principal": "*", "Action": "apprunner:*", "Resource": "*"}]}

# (action, context, expected decision with conditions, expected without)
CASES = [
    ("apprunner:CreateService", {"aws:SourceVpce": VPCE}, "allowed", "allowed"),
    ("apprunner:DeleteService", {"aws:SourceVpce": "vpce-0fedcba9876543210"}, "explicitDeny", "explicitDeny"),
    ("apprunner:StartDeployment", {"aws:SourceVpce": VPCE}, "implicitDeny", "implicitDeny"),
]


def without_conditions(document: dict) -> dict:
    doc = copy.deepcopy(document)
    for statement in doc["Statement"]:
        statement.pop("Condition", None)
    return doc


def time_rounds(paths: list[tuple[str, object, list]], n: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per call, per round of n calls, with every path taking its turn in each round (so a busy
    moment of the machine hits all of them alike), after a warm-up of n // 10 calls each."""
    seqs = {}
    for name, fn, items in paths:
        k = len(items)
        for i in range(max(n // 10, k)):
            fn(items[i % k])
        seqs[name] = [items[i % k] for i in range(n)]
    out: dict[str, list[float]] = {name: [] for name, _, _ in paths}
    for _ in range(rounds):
        for name, fn, _ in paths:
            seq = seqs[name]
            start = time.perf_counter()
            for item in seq:
                fn(item)
            out[name].append((time.perf_counter() - start) / n)
    return out


def runnerlink_paths(with_conditions: bool):
    identity = compile_policy(IDENTITY if with_conditions else without_conditions(IDENTITY), "identity", "dev")
    endpoint = compile_policy(ENDPOINT, "endpoint", "vpce")
    ids, eps = (identity,), (endpoint,)
    expected = [c[2] if with_conditions else c[3] for c in CASES]
    built = [Request(PRINCIPAL, action, SERVICE, context=ctx) for action, ctx, *_ in CASES]
    for request, want in zip(built, expected):
        got = evaluate(request, identity=ids, endpoint=eps).decision
        assert got == want, (request.action, got, want)

    def decide(request):
        return evaluate(request, identity=ids, endpoint=eps)

    raw = [(action, ctx) for action, ctx, *_ in CASES]

    def build_and_decide(case):
        return evaluate(Request(PRINCIPAL, case[0], SERVICE, context=case[1]), identity=ids, endpoint=eps)

    return (decide, built), (build_and_decide, raw)


def moto_path():
    try:
        from moto.iam.access_control import IAMPolicy, PermissionResult
    except ImportError:
        return None
    identity = IAMPolicy(json.dumps(without_conditions(IDENTITY)))
    endpoint = IAMPolicy(json.dumps(without_conditions(ENDPOINT)))

    def decide(action):
        # Deny in either wins; the endpoint policy must permit; then the identity policy decides.
        own = identity.is_action_permitted(action, SERVICE)
        gate = endpoint.is_action_permitted(action, SERVICE)
        if own == PermissionResult.DENIED or gate == PermissionResult.DENIED:
            return "explicitDeny"
        if gate != PermissionResult.PERMITTED or own != PermissionResult.PERMITTED:
            return "implicitDeny"
        return "allowed"

    for action, _, _, want in CASES:
        got = decide(action)
        assert got == want, ("moto", action, got, want)

    def identity_only(action):
        return identity.is_action_permitted(action, SERVICE)

    import moto
    return decide, identity_only, [c[0] for c in CASES], moto.__version__


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="decisions per round (default 100000)")
    parser.add_argument("-r", "--rounds", type=int, default=5, help="rounds per figure (default 5)")
    args = parser.parse_args()

    (decide, built), (build_and_decide, raw) = runnerlink_paths(True)
    (decide_nc, built_nc), (build_nc, raw_nc) = runnerlink_paths(False)
    paths = [("runnerlink evaluate, with conditions", decide, built),
             ("runnerlink Request + evaluate, with conditions", build_and_decide, raw),
             ("runnerlink evaluate, no conditions", decide_nc, built_nc),
             ("runnerlink Request + evaluate, no conditions", build_nc, raw_nc)]
    moto = moto_path()
    if moto:
        moto_decide, identity_only, actions, version = moto
        paths.append((f"moto {version} identity only, no conditions", identity_only, actions))
        paths.append((f"moto {version} identity + endpoint, no conditions", moto_decide, actions))
    timings = time_rounds(paths, args.n, args.rounds)
    rows = list(timings.items())

    print(f"python {platform.python_version()} on {platform.machine()} ({_cpu()}); "
          f"{args.rounds} rounds x {args.n:,} decisions; allowed / explicitDeny / implicitDeny in rotation")
    print(f"{'engine / path':<52} {'best us':>8} {'median us':>10} {'decisions/s':>12}")
    best = {}
    for name, secs in rows:
        b, m = min(secs) * 1e6, statistics.median(secs) * 1e6
        best[name] = b
        print(f"{name:<52} {b:>8.2f} {m:>10.2f} {1e6 / b:>12,.0f}")
    full = best["runnerlink Request + evaluate, with conditions"]
    target = "met" if full <= 10 else "MISSED"
    print(f"target <= 10 us per decision (Request + evaluate, with conditions): {full:.2f} us, {target}")
    if moto:
        moto_us = best[rows[-1][0]]
        print("moto (identity + endpoint) / runnerlink, best us; >1 means runnerlink is faster:")
        for name in ("runnerlink evaluate, no conditions", "runnerlink Request + evaluate, no conditions",
                     "runnerlink evaluate, with conditions", "runnerlink Request + evaluate, with conditions"):
            print(f"  vs {name:<48} {moto_us / best[name]:.2f}x")
    else:
        print("moto not installed: no peer figure")
    return 0


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
