"""CPU per request of the edge's pipeline in enforce mode next to off mode, same process, same run.

    python benchmarks/bench_authorize.py                # 5 rounds of 20,000 requests per figure
    python benchmarks/bench_authorize.py -n 5000 -r 3   # quicker

The requests are handled in-process by the pipeline (parse → authenticate → locate → authorize → dispatch →
serialize → record; no HTTP, no SigV4 verification), so the authorize step's share is larger than behind the HTTP
stack: the ratio here is an upper bound of what enforce mode adds per request. Cases, each in both modes:

- direct: an IAM user (three identity policies, one with a condition, and a permissions boundary) calls
  DescribeService and ListServices on the internet path;
- endpoint: the same calls through a VPC endpoint whose policy allows App Runner reads.

Off mode judges only the endpoint case (its endpoint policy); enforce mode judges both with the user's policies,
read through an identity source once per store generation (as the IAM package's is) and compiled once. The traffic
log is in memory. Every answer is checked (status 200) before timing. Issue 11's target: enforce ≤ 1.3x off.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from runnerlink.auth.identity import USER, Principal
from runnerlink.config import Settings
from runnerlink.network import Hop
from runnerlink.network.context import NetworkContext
from runnerlink.server.context import RequestContext
from runnerlink.server.pipeline import Pipeline
from runnerlink.services.base import PrincipalPolicies
from runnerlink.services.registry import all_services
from runnerlink.store import open_store

ACCOUNT = "111122223333"
ALICE = Principal(account=ACCOUNT, arn=f"arn:aws:iam::{ACCOUNT}:user/alice", access_key="AKIAALICEEXAMPLE",
                  kind=USER, user_id="AIDAALICEEXAMPLE", name="alice", tags=(("team", "web"),))


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


POLICIES = PrincipalPolicies(
    identity=(
        ("Read", doc({"Sid": "Read", "Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"],
                      "Resource": "*"})),
        ("arn:aws:iam::111122223333:policy/Deploy", doc(
            {"Sid": "Deploy", "Effect": "Allow", "Action": ["apprunner:Create*", "apprunner:Update*"],
             "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "web"}}},
            {"Sid": "NoDelete", "Effect": "Deny", "Action": "apprunner:Delete*", "Resource": "*"})),
        ("Network", doc({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})),
    ),
    boundary=("arn:aws:iam::111122223333:policy/Boundary",
              doc({"Effect": "Allow", "Action": ["apprunner:*", "ec2:*"], "Resource": "*"})),
    tags={"team": "web"})
ENDPOINT_POLICY = doc({"Sid": "Reads", "Effect": "Allow", "Principal": "*",
                       "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"})
ENDPOINT = NetworkContext(source="vpc", workload="wl-0123456789abcdef0", vpc="vpc-0123456789abcdef0",
                          subnet="subnet-0123456789abcdef0", address="10.0.1.9", outcome="endpoint",
                          hops=(Hop("dns", True, "private DNS"),), endpoint="vpce-0123456789abcdef0",
                          endpoint_policy=ENDPOINT_POLICY, host="apprunner.us-east-1.amazonaws.com",
                          service="apprunner")
SOURCE = {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                              "ImageRepositoryType": "ECR_PUBLIC"}}
AUTH = (f"AWS4-HMAC-SHA256 Credential={ACCOUNT}/20240101/us-east-1/apprunner/aws4_request, "
        "SignedHeaders=host, Signature=" + "0" * 64)


class Identity:
    def resolve(self, tx, access_key):
        return None

    def policies(self, tx, principal):
        return POLICIES


def pipeline(mode: str) -> Pipeline:
    built = Pipeline(Settings(state="memory", iam=mode), open_store("memory"), all_services())
    built.identity_source = Identity()
    original = built.authenticate

    def authenticate(ctx):  # the IAM package's resolve: the user behind the access key
        original(ctx)
        ctx.principal = ALICE

    built.steps[built.steps.index(original)] = authenticate
    return built


def request(operation: str, payload: dict, network: NetworkContext | None) -> RequestContext:
    headers = {"content-type": "application/x-amz-json-1.0", "x-amz-target": f"AppRunner.{operation}",
               "authorization": AUTH}
    ctx = RequestContext(method="POST", path="/", query={}, headers=headers, body=json.dumps(payload).encode())
    if network is not None:
        ctx.network = network
    return ctx


def calls(target: Pipeline) -> list[tuple[str, dict]]:
    made = target.handle(request("CreateService", {"ServiceName": "website", "SourceConfiguration": SOURCE}, None))
    assert made.status == 200, made.response_body
    arn = json.loads(made.response_body)["Service"]["ServiceArn"]
    return [("DescribeService", {"ServiceArn": arn}), ("ListServices", {"MaxResults": 20})]


def run(target: Pipeline, work: list[tuple[str, dict]], network: NetworkContext | None, n: int) -> float:
    """CPU seconds per request over n requests (the calls in turn)."""
    start = time.process_time()
    for i in range(n):
        operation, payload = work[i % len(work)]
        target.handle(request(operation, payload, network))
    return (time.process_time() - start) / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=20000, help="requests per round per figure")
    parser.add_argument("-r", "--rounds", type=int, default=5)
    args = parser.parse_args()
    targets = {mode: pipeline(mode) for mode in ("off", "enforce")}
    work = {mode: calls(target) for mode, target in targets.items()}
    figures = {(mode, path): [] for mode in targets for path in ("direct", "endpoint")}
    networks = {"direct": None, "endpoint": ENDPOINT}
    for (mode, path) in figures:  # every answer checked once
        for operation, payload in work[mode]:
            ctx = targets[mode].handle(request(operation, payload, networks[path]))
            assert ctx.status == 200, (mode, path, ctx.response_body)
            if mode == "enforce":
                assert ctx.decision["result"] == "allowed" and ctx.decision["policy"] == "identity"
        run(targets[mode], work[mode], networks[path], max(1, args.n // 10))  # warm-up
    for _ in range(args.rounds):
        for (mode, path), seconds in figures.items():
            seconds.append(run(targets[mode], work[mode], networks[path], args.n))
    print(f"python {sys.version.split()[0]}, {args.rounds} rounds of {args.n} requests, CPU µs per request "
          "(median, min)")
    for path in ("direct", "endpoint"):
        off, enforce = figures[("off", path)], figures[("enforce", path)]
        ratio = statistics.median(enforce) / statistics.median(off)
        print(f"  {path:9} off {statistics.median(off) * 1e6:7.1f} ({min(off) * 1e6:7.1f})   "
              f"enforce {statistics.median(enforce) * 1e6:7.1f} ({min(enforce) * 1e6:7.1f})   enforce/off {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
