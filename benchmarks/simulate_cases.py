"""The cases of bench_simulate.py: a reproducible mix of App Runner (and sts:AssumeRole) requests and policies.

`generate(n, seed)` returns runnerlink `policy simulate` cases (see `runnerlink policy simulate --help`);
`to_peer(case)` turns one into an iam-simulate `Simulation` (npm @cloud-copilot/iam-simulate's `runSimulation`
input). The same seed always gives the same cases, byte for byte.

Shape: policies are drawn from pools (identity, boundary, endpoint, resource, session, SCP and RCP levels, trust), so
a file of 20,000 cases holds a few hundred distinct documents, as a real batch (one account's roles against many
requests) does. Requests name principals of two accounts (users, roles, assumed-role sessions, the root), App Runner
actions on concrete ARNs of the resource type each action is authorized against (or "*" for the List actions that
have none), and a context of global condition keys.

Both engines get the principal-derived keys (aws:PrincipalArn, aws:PrincipalAccount, aws:username) in the context:
runnerlink derives them from the principal itself, iam-simulate does not, and a policy reading them would otherwise
be judged on different requests. Action-specific keys (aws:RequestTag/…, aws:TagKeys, aws:ResourceTag/…) are only
given to the actions the Service Authorization Reference lists them for: iam-simulate drops any other.
"""

from __future__ import annotations

import json
import random
from typing import Any

HOME = "111122223333"
OTHER = "444455556666"
REGIONS = ("us-east-1", "eu-west-1")
VPCES = ("vpce-0a1b2c3d4e5f60718", "vpce-0fedcba9876543210")
VPCS = ("vpc-0a1b2c3d4e5f60718", "vpc-0123456789abcdef0")
TEAMS = ("payments", "search", "platform")
USERS = ("alice", "bob", "dana")
ROLES = ("deployer", "reader", "ci")

# action → resource type ("" for the List actions authorized against "*" only)
ACTIONS = {
    "CreateService": "service", "DeleteService": "service", "DescribeService": "service",
    "UpdateService": "service", "PauseService": "service", "ResumeService": "service",
    "StartDeployment": "service", "ListOperations": "service", "DescribeOperation": "service",
    "DescribeCustomDomains": "service", "AssociateCustomDomain": "service",
    "CreateConnection": "connection", "DeleteConnection": "connection",
    "CreateVpcConnector": "vpcconnector", "DeleteVpcConnector": "vpcconnector", "DescribeVpcConnector": "vpcconnector",
    "DescribeAutoScalingConfiguration": "autoscalingconfiguration",
    "DeleteAutoScalingConfiguration": "autoscalingconfiguration",
    "TagResource": "service", "UntagResource": "service", "ListTagsForResource": "service",
    "ListServices": "", "ListConnections": "", "ListVpcConnectors": "", "ListAutoScalingConfigurations": "",
}
# The actions the SAR gives aws:RequestTag/${TagKey} and aws:TagKeys.
REQUEST_TAG_ACTIONS = {"CreateService", "CreateConnection", "CreateVpcConnector", "TagResource"}
TAG_KEYS_ACTIONS = REQUEST_TAG_ACTIONS | {"UntagResource"}
SERVICE_NAMES = ("web", "api", "worker", "alice-web", "bob-api")

ACTION_PATTERNS = (
    "apprunner:*", "apprunner:List*", "apprunner:Describe*", "apprunner:Create*", "apprunner:Delete*",
    "apprunner:*Service", "apprunner:Pause*", "apprunner:StartDeployment", "apprunner:DescribeService",
    "apprunner:ListServices", "apprunner:?pdateService", "apprunner:*Tag*", "apprunner:*VpcConnector*", "*",
)


def _service_arn(rng: random.Random, account: str) -> str:
    return (f"arn:aws:apprunner:{rng.choice(REGIONS)}:{account}:service/{rng.choice(SERVICE_NAMES)}/"
            f"{rng.getrandbits(128):032x}")


def _resource_arn(rng: random.Random, kind: str, account: str) -> str:
    region = rng.choice(REGIONS)
    name = rng.choice(SERVICE_NAMES)
    hex_id = f"{rng.getrandbits(128):032x}"
    if kind == "service":
        return f"arn:aws:apprunner:{region}:{account}:service/{name}/{hex_id}"
    if kind == "connection":
        return f"arn:aws:apprunner:{region}:{account}:connection/{name}-github/{hex_id}"
    if kind == "vpcconnector":
        return f"arn:aws:apprunner:{region}:{account}:vpcconnector/{name}-egress/{rng.randint(1, 3)}/{hex_id}"
    return f"arn:aws:apprunner:{region}:{account}:autoscalingconfiguration/{name}-scale/{rng.randint(1, 3)}/{hex_id}"


RESOURCE_PATTERNS = (
    "*", "*", "*",
    f"arn:aws:apprunner:*:{HOME}:service/*",
    f"arn:aws:apprunner:us-east-1:{HOME}:service/web/*",
    "arn:aws:apprunner:*:*:service/api/*",
    f"arn:aws:apprunner:eu-west-1:{HOME}:*",
    "arn:aws:apprunner:*",
    f"arn:aws:apprunner:*:{HOME}:service/${{aws:username}}-*",
    f"arn:aws:apprunner:*:{HOME}:connection/*",
    "arn:aws:apprunner:*:*:vpcconnector/*-egress/?/*",
    f"arn:aws:apprunner:us-east-1:{OTHER}:service/*",
)


def _condition(rng: random.Random) -> dict[str, Any]:
    choices = [
        lambda: {"StringEquals": {"aws:SourceVpce": rng.choice(VPCES)}},
        lambda: {"StringNotEquals": {"aws:SourceVpce": rng.choice(VPCES)}},
        lambda: {"StringEqualsIfExists": {"aws:SourceVpc": rng.choice(VPCS)}},
        lambda: {"StringEquals": {"aws:RequestedRegion": rng.choice(REGIONS)}},
        lambda: {"StringNotEquals": {"aws:RequestedRegion": list(REGIONS)}},
        lambda: {"StringLike": {"aws:PrincipalTag/team": rng.choice(("pay*", "se?rch", "*"))}},
        lambda: {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}},
        lambda: {"IpAddress": {"aws:SourceIp": rng.choice(("203.0.113.0/24", "198.51.100.0/25"))}},
        lambda: {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/26"}},
        lambda: {"Bool": {"aws:SecureTransport": rng.choice(("true", "false"))}},
        lambda: {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
        lambda: {"NumericLessThan": {"aws:MultiFactorAuthAge": str(rng.choice((300, 3600)))}},
        lambda: {"DateLessThan": {"aws:CurrentTime": rng.choice(("2026-06-01T00:00:00Z", "2027-01-01T00:00:00Z"))}},
        lambda: {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{HOME}:role/*"}},
        lambda: {"StringEquals": {"aws:PrincipalAccount": HOME}},
        lambda: {"Null": {"aws:SourceVpce": rng.choice(("true", "false"))}},
        lambda: {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}},
        lambda: {"ForAllValues:StringLike": {"aws:TagKeys": ["team", "env*"]}},
        lambda: {"StringEquals": {"aws:RequestTag/team": rng.choice(TEAMS)}},
        lambda: {"StringEqualsIfExists": {"aws:ResourceTag/env": "prod"}},
        lambda: {"StringEquals": {"aws:SourceVpce": rng.choice(VPCES)},
                 "StringLike": {"aws:PrincipalTag/team": rng.choice(TEAMS)}},
    ]
    return rng.choice(choices)()


def _statement(rng: random.Random, index: int, *, principal: Any = None, effect: str | None = None,
               resource: bool = True) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": f"S{index}", "Effect": effect or rng.choice(("Allow",) * 4 + ("Deny",))}
    if principal is not None:
        statement["Principal"] = principal
    actions = rng.sample(ACTION_PATTERNS, rng.choice((1, 1, 2, 3)))
    statement["NotAction" if rng.random() < 0.08 else "Action"] = actions[0] if len(actions) == 1 else actions
    if resource:
        patterns = rng.sample(RESOURCE_PATTERNS, rng.choice((1, 1, 2)))
        if rng.random() < 0.03 and "*" not in patterns and not any("${" in p for p in patterns):
            statement["NotResource"] = patterns[0] if len(patterns) == 1 else patterns
        else:
            statement["Resource"] = patterns[0] if len(patterns) == 1 else patterns
    if rng.random() < 0.5:
        statement["Condition"] = _condition(rng)
    return statement


def _document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def _identity_pool(rng: random.Random, size: int) -> list[dict[str, Any]]:
    return [_document([_statement(rng, i) for i in range(rng.randint(1, 6))]) for _ in range(size)]


def _principal_element(rng: random.Random) -> Any:
    return rng.choice((
        "*", {"AWS": HOME}, {"AWS": f"arn:aws:iam::{HOME}:root"}, {"AWS": f"arn:aws:iam::{OTHER}:root"},
        {"AWS": f"arn:aws:iam::{HOME}:user/alice"}, {"AWS": [f"arn:aws:iam::{HOME}:role/deployer", OTHER]},
        {"AWS": f"arn:aws:iam::{OTHER}:user/carol"},
    ))


def _principal_pool(rng: random.Random, size: int, everyone: bool = False) -> list[dict[str, Any]]:
    """Policies with a Principal element; `everyone`: always "*" (iam-simulate requires it of endpoint policies)."""
    return [_document([_statement(rng, i, principal="*" if everyone else _principal_element(rng))
                       for i in range(rng.randint(1, 4))])
            for _ in range(size)]


ALLOW_ALL = _document([{"Sid": "FullAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}])
RCP_ALLOW_ALL = _document([{"Sid": "RCPFullAWSAccess", "Effect": "Allow", "Principal": "*", "Action": "*",
                            "Resource": "*"}])


def _rcp_guard(rng: random.Random, index: int) -> dict[str, Any]:
    """An RCP statement: Deny, Principal "*", actions of a service RCPs cover (STS here), a condition."""
    return {"Sid": f"S{index}", "Effect": "Deny", "Principal": "*",
            "Action": rng.choice(("sts:AssumeRole", "sts:*", ["sts:AssumeRole", "sts:TagSession"])),
            "Resource": rng.choice(("*", f"arn:aws:iam::{HOME}:role/*", f"arn:aws:iam::*:role/ci")),
            "Condition": rng.choice((
                {"StringNotEqualsIfExists": {"aws:PrincipalAccount": HOME}},
                {"Bool": {"aws:SecureTransport": "false"}},
                {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
                {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}, "Null": {"aws:SourceVpce": "true"}},
            ))}


def _control_pool(rng: random.Random, size: int, rcp: bool) -> list[list[dict[str, Any]]]:
    """OU levels: root (full access), then one or two levels holding full access and a deny guardrail or two.
    A level without an Allow denies everything in runnerlink; iam-simulate adds RCPFullAWSAccess to every RCP level
    itself (and refuses an Allow in an RCP), so `to_peer` leaves that policy out."""
    full = RCP_ALLOW_ALL if rcp else ALLOW_ALL
    pool = []
    for _ in range(size):
        levels = [{"orgIdentifier": "r-root", "policies": [{"name": "full-root", "policy": full}]}]
        for depth in range(rng.randint(1, 2)):
            count = rng.randint(1, 2)
            guards = ([_rcp_guard(rng, i) for i in range(count)] if rcp
                      else [_statement(rng, i, effect="Deny") for i in range(count)])
            policies = [{"name": f"full-{depth}", "policy": full},
                        {"name": f"guard-{depth}", "policy": _document(guards)}]
            levels.append({"orgIdentifier": f"ou-{depth}", "policies": policies})
        pool.append(levels)
    return pool


def _caller(rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    """(principal ARN, its account, the principal-derived context keys)."""
    kind = rng.choices(("user", "role", "session", "root", "other-user"), (5, 2, 4, 1, 2))[0]
    if kind == "user":
        name = rng.choice(USERS)
        arn = f"arn:aws:iam::{HOME}:user/{name}"
        return arn, HOME, {"aws:PrincipalArn": arn, "aws:PrincipalAccount": HOME, "aws:username": name}
    if kind == "role":
        arn = f"arn:aws:iam::{HOME}:role/{rng.choice(ROLES)}"
        return arn, HOME, {"aws:PrincipalArn": arn, "aws:PrincipalAccount": HOME}
    if kind == "session":
        role = rng.choice(ROLES)
        arn = f"arn:aws:sts::{HOME}:assumed-role/{role}/session-{rng.randint(1, 4)}"
        return arn, HOME, {"aws:PrincipalArn": f"arn:aws:iam::{HOME}:role/{role}", "aws:PrincipalAccount": HOME}
    if kind == "root":
        arn = f"arn:aws:iam::{HOME}:root"
        return arn, HOME, {"aws:PrincipalArn": arn, "aws:PrincipalAccount": HOME}
    arn = f"arn:aws:iam::{OTHER}:user/carol"
    return arn, OTHER, {"aws:PrincipalArn": arn, "aws:PrincipalAccount": OTHER, "aws:username": "carol"}


def _context(rng: random.Random, action: str, resource_type: str, base: dict[str, Any]) -> dict[str, Any]:
    context = dict(base)
    if rng.random() < 0.6:
        context["aws:SourceVpce"] = rng.choice(VPCES)
        context["aws:SourceVpc"] = rng.choice(VPCS)
    else:
        context["aws:SourceIp"] = rng.choice(("203.0.113.7", "203.0.113.99", "198.51.100.20", "192.0.2.1"))
    context["aws:RequestedRegion"] = rng.choice(REGIONS)
    context["aws:SecureTransport"] = rng.choice(("true", "true", "false"))
    context["aws:CurrentTime"] = rng.choice(("2026-03-01T12:00:00Z", "2026-12-04T18:00:00Z"))
    if rng.random() < 0.7:
        context["aws:PrincipalTag/team"] = rng.choice(TEAMS)
    if rng.random() < 0.5:
        context["aws:MultiFactorAuthPresent"] = rng.choice(("true", "false"))
        context["aws:MultiFactorAuthAge"] = str(rng.choice((60, 1200, 7200)))
    if action in REQUEST_TAG_ACTIONS and rng.random() < 0.7:
        context["aws:RequestTag/team"] = rng.choice(TEAMS)
    if action in TAG_KEYS_ACTIONS and rng.random() < 0.7:
        context["aws:TagKeys"] = rng.sample(["team", "env", "env-name", "owner"], rng.randint(1, 3))
    if resource_type == "service" and rng.random() < 0.5:
        context["aws:ResourceTag/env"] = rng.choice(("prod", "dev"))
    return context


def _named(policies: list[dict[str, Any]], prefix: str, indices: list[int]) -> list[dict[str, Any]]:
    return [{"name": f"{prefix}-{i}", "policy": policies[i]} for i in indices]


def generate(n: int, seed: int = 14) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    identity = _identity_pool(rng, 120)
    boundaries = _identity_pool(rng, 12)
    sessions = _identity_pool(rng, 12)
    endpoints = _principal_pool(rng, 16, everyone=True)
    resources = _principal_pool(rng, 20)
    scps = _control_pool(rng, 8, rcp=False)
    rcps = _control_pool(rng, 6, rcp=True)
    trusts = [_document([{"Sid": "Trust", "Effect": "Allow", "Action": "sts:AssumeRole",
                          "Principal": _principal_element(rng)}]) for _ in range(10)]
    identity.append(ALLOW_ALL)
    cases = []
    for number in range(n):
        principal, account, base = _caller(rng)
        case: dict[str, Any] = {"id": f"c{number}"}
        if rng.random() < 0.06:  # sts:AssumeRole of a role: its trust policy must allow too
            role_account = rng.choice((HOME, HOME, OTHER))
            role = f"arn:aws:iam::{role_account}:role/{rng.choice(ROLES)}"
            case["request"] = {"principal": principal, "action": "sts:AssumeRole", "resource": role,
                               "resourceAccount": role_account, "context": _context(rng, "AssumeRole", "", base)}
            case["identityPolicies"] = _named(identity, "id", rng.sample(range(len(identity)), rng.randint(0, 2)))
            case["trustPolicy"] = rng.choice(trusts)
            if rng.random() < 0.4:
                case["serviceControlPolicies"] = rng.choice(scps)
            if rng.random() < 0.5:
                case["resourceControlPolicies"] = rng.choice(rcps)
            cases.append(case)
            continue
        action = rng.choice(tuple(ACTIONS))
        resource_type = ACTIONS[action]
        resource_account = account if rng.random() < 0.8 else rng.choice((HOME, OTHER))
        resource = _resource_arn(rng, resource_type, resource_account) if resource_type else "*"
        case["request"] = {"principal": principal, "action": f"apprunner:{action}", "resource": resource,
                           "resourceAccount": resource_account,
                           "context": _context(rng, action, resource_type, base)}
        case["identityPolicies"] = _named(identity, "id", rng.sample(range(len(identity)), rng.randint(0, 3)))
        if rng.random() < 0.25:
            case["permissionBoundaries"] = _named(boundaries, "pb", [rng.randrange(len(boundaries))])
        if rng.random() < 0.5 and "aws:SourceVpce" in case["request"]["context"]:
            case["vpcEndpointPolicies"] = _named(endpoints, "vpce", [rng.randrange(len(endpoints))])
        if rng.random() < 0.2:
            case["resourcePolicy"] = rng.choice(resources)
        if rng.random() < 0.15 and ("assumed-role" in principal or ":role/" in principal):
            case["sessionPolicy"] = rng.choice(sessions)
        if rng.random() < 0.4:
            case["serviceControlPolicies"] = rng.choice(scps)
        cases.append(case)
    return cases


def to_peer(case: dict[str, Any]) -> dict[str, Any]:
    """The iam-simulate `Simulation` for a case (policy documents shared, not copied)."""
    request = case["request"]
    simulation: dict[str, Any] = {
        "request": {"principal": request["principal"], "action": request["action"],
                    "resource": {"resource": request.get("resource", "*"),
                                 "accountId": request["resourceAccount"]},
                    "contextVariables": request.get("context", {})},
        "identityPolicies": case.get("identityPolicies", []),
        "serviceControlPolicies": case.get("serviceControlPolicies", []),
        "resourceControlPolicies": [
            {**level, "policies": [p for p in level["policies"] if p["policy"] != RCP_ALLOW_ALL]}
            for level in case.get("resourceControlPolicies", [])],
    }
    if case.get("permissionBoundaries"):
        simulation["permissionBoundaryPolicies"] = case["permissionBoundaries"]
    if case.get("vpcEndpointPolicies"):
        simulation["vpcEndpointPolicies"] = case["vpcEndpointPolicies"]
    resource_policy = case.get("resourcePolicy") or case.get("trustPolicy")
    if resource_policy is not None:
        simulation["resourcePolicy"] = resource_policy
    if case.get("sessionPolicy") is not None:
        simulation["sessionPolicy"] = case["sessionPolicy"]
    return {"id": case["id"], "simulation": simulation}


def _documents(case: dict[str, Any]) -> list[Any]:
    docs = [case.get(key) for key in ("resourcePolicy", "trustPolicy", "sessionPolicy")]
    for key in ("identityPolicies", "permissionBoundaries", "vpcEndpointPolicies"):
        docs += [entry["policy"] for entry in case.get(key, ())]
    for key in ("serviceControlPolicies", "resourceControlPolicies"):
        docs += [entry["policy"] for level in case.get(key, ()) for entry in level["policies"]]
    return [doc for doc in docs if doc is not None]


def semantic_difference(case: dict[str, Any]) -> str | None:
    """Why the two engines may decide this case differently by design, from its shape alone (never from either
    engine's answer); None when they must agree.

    - trust-not-exact: a same-account sts:AssumeRole whose trust policy names the caller by "*" or, for a role or
      its session, by the role's ARN. runnerlink lets a trust policy grant without an identity-side allow only when
      it names the caller's exact user or session ARN (the IAM UG's rule for switching roles); iam-simulate lets
      these grant on their own too.
    - resource-everyone-limited: a same-account resource policy naming everyone ("*") for a caller with a
      permissions boundary or a session policy. runnerlink lets "*" grant as the caller's own ARN would, beyond the
      boundary and the session policy; iam-simulate limits it by them, as it does a grant to a role ARN.
    - notresource-star: a NotResource statement in a case whose action is authorized against "*" only (the List
      actions). runnerlink finds the request's "*" unlisted by `arn:aws:apprunner:*` (so the statement applies);
      iam-simulate takes "*" as listed by an ARN pattern of the action's service (so it doesn't).
    """
    request = case["request"]
    trust = case.get("trustPolicy")
    if trust is not None and request["principal"].split(":")[4] == request.get("resourceAccount"):
        caller_role = request["context"].get("aws:PrincipalArn", "")
        for statement in trust["Statement"]:
            element = statement.get("Principal")
            names = ["*"] if element == "*" else element.get("AWS", []) if isinstance(element, dict) else []
            names = [names] if isinstance(names, str) else names
            if "*" in names or (":role/" in caller_role and caller_role in names):
                return "trust-not-exact"
    resource_policy = case.get("resourcePolicy")
    if (resource_policy is not None and (case.get("permissionBoundaries") or case.get("sessionPolicy"))
            and request["principal"].split(":")[4] == request.get("resourceAccount")
            and any(statement.get("Principal") in ("*", {"AWS": "*"}) for statement in resource_policy["Statement"])):
        return "resource-everyone-limited"
    if request.get("resource", "*") == "*":
        for doc in _documents(case):
            if any("NotResource" in statement for statement in doc["Statement"]):
                return "notresource-star"
    return None


def dump_lines(items: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(item, separators=(",", ":")) + "\n" for item in items)

