"""Endpoint policies: full access (AWS's default), more than List*/Describe* for App Runner, and Principal "*"
without a condition. Read through runnerlink.policy's compiler and App Runner action catalogue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache

from runnerlink.audit.findings import Finding
from runnerlink.audit.rules.base import AuditContext, Rule, is_requests
from runnerlink.network import Endpoint
from runnerlink.policy import CompiledPolicy, PolicyError, catalogue, compile_policy

READ_PREFIXES = ("list", "describe")
_PROBE = "anyactionatall"  # an action name no narrower pattern than "<prefix>:*" matches along with "*"


@lru_cache(maxsize=1024)
def _compiled(text: str) -> CompiledPolicy | None:
    try:
        return compile_policy(text, "endpoint")
    except PolicyError:
        return None


def _statements(text: str) -> list[dict]:
    """The raw statements, to quote as evidence (the compiled ones keep their document order and index)."""
    try:
        raw = json.loads(text).get("Statement")
    except (ValueError, AttributeError):
        return []
    return raw if isinstance(raw, list) else [raw]


def _label(statement) -> str:
    info = statement.info
    return f"statement {info.index + 1}" + (f" ({info.sid})" if info.sid else "")


def _quote(text: str, index: int) -> str:
    raw = _statements(text)
    return json.dumps(raw[index], sort_keys=True) if index < len(raw) else ""


def iam_prefix(service: str) -> str:
    """The IAM action prefix of an endpoint service ("ecr.api" → "ecr")."""
    return service.split(".", 1)[0]


def _full_access_statement(policy: CompiledPolicy, prefix: str):
    """The first unconditional Allow of every action of the service ("*" or "<prefix>:*") on Resource "*"."""
    probes = (f"{prefix}:*", f"{prefix}:{_PROBE}")
    if prefix == "apprunner":
        probes += tuple(a.iam_action.lower() for a in catalogue.actions("apprunner"))
    for statement in policy.statements:
        if (statement.allow and statement.condition is None and statement.any_resource and not statement.not_action
                and all(statement.actions.matches(p) for p in probes)):
            return statement
    return None


def _judged(context: AuditContext) -> Iterator[tuple[Endpoint, str]]:
    """Endpoints whose policy the rules judge (every existing one but apprunner.requests: AWS supports no endpoint
    policy there), with the service short name."""
    for vpc_id in context.topology.vpcs:
        for endpoint in context.endpoints_in(vpc_id):
            service = context.service_of(endpoint)
            if service is not None and not is_requests(endpoint):
                yield endpoint, service


def full_access(endpoint: Endpoint, service: str) -> str | None:
    """Why the endpoint's policy is full access, or None when it is not (or cannot be read)."""
    if endpoint.policy is None:
        return "it has no policy: AWS attaches the default, which allows every action by every principal"
    return _full_access_reason(endpoint.policy, iam_prefix(service))


@lru_cache(maxsize=1024)
def _full_access_reason(text: str, prefix: str) -> str | None:
    policy = _compiled(text)
    statement = _full_access_statement(policy, prefix) if policy is not None else None
    if statement is None:
        return None
    return f"{_label(statement)} allows every action on every resource with no condition: " \
           f"{_quote(text, statement.info.index)}"


def _least_privilege(context: AuditContext, service: str) -> str:
    prefix = iam_prefix(service)
    actions = f'["{prefix}:List*", "{prefix}:Describe*"]' if prefix == "apprunner" else f'["{prefix}:<what it calls>"]'
    return (f'{{"Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{context.topology.account}:'
            f'role/<caller>"}}, "Action": {actions}, "Resource": "*"}}]}}')


def _policy_fix(context: AuditContext, endpoint: Endpoint, service: str) -> str:
    return (f"Attach a least-privilege policy naming the principals and actions the VPC uses: aws ec2 "
            f"modify-vpc-endpoint --vpc-endpoint-id {endpoint.id} --policy-document "
            f"'{_least_privilege(context, service)}'; Terraform: the aws_vpc_endpoint's policy (or an "
            f"aws_vpc_endpoint_policy).")


def endpoint_policy_full_access(context: AuditContext) -> Iterator[Finding]:
    for endpoint, service in _judged(context):
        if endpoint.type != "Interface":
            continue
        why = full_access(endpoint, service)
        if why is None:
            continue
        yield Finding(
            "endpoint-policy-full-access", "medium", endpoint.id, "vpc-endpoint",
            f"Endpoint {endpoint.id} ({endpoint.service_name}) allows full access: any principal, from any account, "
            f"can use it for any {service} action, so it does not limit what leaves the VPC.",
            _policy_fix(context, endpoint, service), endpoint.vpc_id, (f"{endpoint.id}: {why}",))


def _beyond_read(policy: CompiledPolicy) -> dict[str, list[str]]:
    """Statement label → the App Runner actions beyond List*/Describe* it allows (unless an unconditional Deny of
    every resource takes them away)."""
    found: dict[str, list[str]] = {}
    for action in catalogue.actions("apprunner"):
        if action.name.lower().startswith(READ_PREFIXES):
            continue
        name = action.iam_action.lower()
        statements = policy.for_action(name)
        if any(not s.allow and s.condition is None and s.any_resource for s in statements):
            continue
        allow = next((s for s in statements if s.allow), None)
        if allow is not None:
            found.setdefault(_label(allow), []).append(f"{action.iam_action} ({action.access_level})")
    return found


def endpoint_policy_beyond_read(context: AuditContext) -> Iterator[Finding]:
    for endpoint, service in _judged(context):
        if service != "apprunner" or endpoint.policy is None or full_access(endpoint, service):
            continue
        policy = _compiled(endpoint.policy)
        found = _beyond_read(policy) if policy is not None else {}
        if not found:
            continue
        count = sum(len(a) for a in found.values())
        evidence = tuple(f"{label} allows {', '.join(actions)}" for label, actions in found.items())
        yield Finding(
            "endpoint-policy-beyond-read", "medium", endpoint.id, "vpc-endpoint",
            f"Endpoint {endpoint.id}'s policy allows {count} App Runner action(s) beyond List*/Describe*: callers "
            f"in the VPC can change App Runner resources through it.",
            f"Allow only apprunner:List* and apprunner:Describe* (plus the exact actions a deployer needs, to a named "
            f"principal): {_policy_fix(context, endpoint, service)}",
            endpoint.vpc_id, evidence)


def endpoint_policy_any_principal(context: AuditContext) -> Iterator[Finding]:
    for endpoint, service in _judged(context):
        if endpoint.policy is None or full_access(endpoint, service):
            continue
        policy = _compiled(endpoint.policy)
        if policy is None:
            continue
        open_to_all = [s for s in policy.statements if s.allow and s.principal is not None and not s.not_principal
                       and s.principal.everyone and s.condition is None]
        if not open_to_all:
            continue
        evidence = tuple(f"{_label(s)} allows Principal \"*\" with no Condition: "
                         f"{_quote(endpoint.policy, s.info.index)}" for s in open_to_all)
        account = context.topology.account
        yield Finding(
            "endpoint-policy-any-principal", "low", endpoint.id, "vpc-endpoint",
            f"Endpoint {endpoint.id}'s policy allows any principal, from any account, with no condition: "
            f"credentials from outside your organization can use the endpoint.",
            f"Name the principals (\"Principal\": {{\"AWS\": \"arn:aws:iam::{account}:role/<caller>\"}}) or add a "
            f"condition such as {{\"StringEquals\": {{\"aws:PrincipalAccount\": \"{account}\"}}}} (or "
            f"aws:PrincipalOrgID) to {', '.join(_label(s) for s in open_to_all)}; "
            f"{_policy_fix(context, endpoint, service)}",
            endpoint.vpc_id, evidence)


RULES: tuple[Rule, ...] = (
    Rule("endpoint-policy-full-access", "medium", "Endpoint policy allows full access",
         "An interface endpoint has no policy (AWS's default allows every action by every principal) or one that "
         "allows every action on every resource without conditions: the endpoint does not limit what it carries.",
         endpoint_policy_full_access),
    Rule("endpoint-policy-beyond-read", "medium", "App Runner endpoint policy allows more than List*/Describe*",
         "An App Runner endpoint's policy allows App Runner actions beyond List* and Describe* (per the App Runner "
         "action catalogue): whoever is in the VPC can create, change or delete App Runner resources through it.",
         endpoint_policy_beyond_read),
    Rule("endpoint-policy-any-principal", "low", "Endpoint policy allows any principal without a condition",
         "An explicit endpoint policy has an Allow whose Principal is \"*\" with no Condition: any credentials, "
         "including another account's, may use the endpoint.",
         endpoint_policy_any_principal),
)
