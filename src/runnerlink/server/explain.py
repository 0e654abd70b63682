"""POST /_runnerlink/iam/explain: a request judged against the stored IAM state, for `runnerlink policy explain`.

The principal's policies are gathered from the identity records (the records contract of issue 11, scope
"<account>/global"): a user's inline and attached policies and its groups', a role's, the permissions boundary, the
entity's tags; an assumed-role session ARN stands for its role, with the policies and tags of a live session of that
ARN when one is stored. The endpoint's policy is read from EC2's records in the request's region, a role's trust
policy (for sts:AssumeRole on a role ARN) from the role's account. The decision is the engine's, as enforce mode
takes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from runnerlink.auth.identity import ASSUMED_ROLE, ROOT, USER, Principal
from runnerlink.policy import ALLOWED, PolicyError, Request, evaluate
from runnerlink.server.authorize import ROOT_IDENTITY, CompiledIdentity, deciding, refusal_reason
from runnerlink.services.base import GLOBAL_REGION, PrincipalPolicies
from runnerlink.store import Transaction

_PRINCIPAL = re.compile(r"^arn:(aws[\w-]*):(iam|sts)::(\d{12}):(root|user/.+|role/.+|assumed-role/[^/]+/[^/]+)$")

# AWS managed policies (arn:aws:iam::aws:policy/…) come from the IAM package's data; it tells them by this hook.
AwsManaged = Callable[[str], "str | None"]


class ExplainError(ValueError):
    """A question explain can't answer as asked (the admin action answers it InvalidRequest)."""


@dataclass
class Gathered:
    principal: Principal
    policies: PrincipalPolicies
    unresolved: list[str] = field(default_factory=list)  # attached policies whose document wasn't found


def parse_principal(arn: str) -> tuple[str, str, str, str | None]:
    """(account, kind, entity name, session name) of a root, user, role or assumed-role session ARN."""
    m = _PRINCIPAL.match(arn)
    if not m:
        raise ExplainError(f"{arn!r} is not a principal ARN: give arn:aws:iam::ACCOUNT:root, …:user/NAME, "
                           "…:role/NAME or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.")
    _, service, account, rest = m.groups()
    if rest == "root":
        return account, ROOT, "", None
    if service == "iam" and rest.startswith("user/"):
        return account, USER, rest.rsplit("/", 1)[1], None
    if service == "iam" and rest.startswith("role/"):
        return account, "role", rest.rsplit("/", 1)[1], None
    if service == "sts" and rest.startswith("assumed-role/"):
        _, role, session = rest.split("/")
        return account, ASSUMED_ROLE, role, session
    raise ExplainError(f"{arn!r} is not a principal ARN.")


def _managed(tx: Transaction, arn: str, aws_managed: AwsManaged | None) -> str | None:
    if ":aws:policy/" in arn:
        return aws_managed(arn) if aws_managed is not None else None
    record = tx.get("iam_policy", arn)
    if record is None:
        return None
    for version in record.get("_versions", ()):
        if version.get("IsDefaultVersion") or version.get("VersionId") == record.get("DefaultVersionId"):
            return version.get("Document")
    return None


def _entity_policies(tx: Transaction, entity: str, name: str, aws_managed: AwsManaged | None,
                     unresolved: list[str]) -> list[tuple[str, str]]:
    parent = f"{entity}/{name}"
    found = [(r["PolicyName"], r["PolicyDocument"]) for r in tx.scan("iam_inline_policy", parent=parent)]
    for attachment in tx.scan("iam_attachment", parent=parent):
        text = _managed(tx, attachment["PolicyArn"], aws_managed)
        if text is None:
            unresolved.append(attachment["PolicyArn"])
        else:
            found.append((attachment["PolicyArn"], text))
    return found


def _boundary(tx: Transaction, record: dict, aws_managed: AwsManaged | None,
              unresolved: list[str]) -> tuple[str, str] | None:
    arn = (record.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if not arn:
        return None
    text = _managed(tx, arn, aws_managed)
    if text is None:
        unresolved.append(arn)
        return None
    return arn, text


def _tags(record: dict) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in record.get("Tags") or ()}


def gather(tx: Transaction, arn: str, now: float, aws_managed: AwsManaged | None = None) -> Gathered:
    """The principal an ARN names and its policies, from the records of its account's "<account>/global" scope."""
    account, kind, name, session = parse_principal(arn)
    if kind == ROOT:
        return Gathered(Principal(account=account, arn=arn, access_key="", kind=ROOT, user_id=account),
                        PrincipalPolicies())
    unresolved: list[str] = []
    if kind == USER:
        user = tx.get("iam_user", name)
        if user is None:
            raise ExplainError(f"No user {name} in account {account}.")
        identity = _entity_policies(tx, "user", name, aws_managed, unresolved)
        for member in tx.scan("iam_group_member", parent=name):
            identity += _entity_policies(tx, "group", member["GroupName"], aws_managed, unresolved)
        principal = Principal(account=account, arn=user["Arn"], access_key="", kind=USER, user_id=user.get("UserId"),
                              name=name)
        return Gathered(principal, PrincipalPolicies(tuple(identity), _boundary(tx, user, aws_managed, unresolved),
                                                     (), _tags(user)), unresolved)
    role = tx.get("iam_role", name)
    if role is None:
        raise ExplainError(f"No role {name} in account {account}.")
    identity = _entity_policies(tx, "role", name, aws_managed, unresolved)
    tags = _tags(role)
    session_policies: list[tuple[str, str]] = []
    if session is not None:
        live = [s for s in tx.scan("sts_session") if s.get("Arn") == arn and (s.get("Expiration") or 0) > now]
        if live:
            stored = max(live, key=lambda s: s.get("Expiration") or 0)
            session_policies = [("session policy", text) for text in stored.get("_policies") or ()]
            for policy_arn in stored.get("_policy_arns") or ():
                text = _managed(tx, policy_arn, aws_managed)
                if text is None:
                    unresolved.append(policy_arn)
                else:
                    session_policies.append((policy_arn, text))
            tags.update(stored.get("_tags") or {})
    user_id = role.get("RoleId")
    if user_id and session is not None:
        user_id = f"{user_id}:{session}"
    principal = Principal(account=account, arn=arn, access_key="", kind=ASSUMED_ROLE, user_id=user_id, name=name,
                          session_name=session)
    return Gathered(principal, PrincipalPolicies(tuple(identity), _boundary(tx, role, aws_managed, unresolved),
                                                 tuple(session_policies), tags), unresolved)


def trust_policy(tx: Transaction, role_arn: str) -> str | None:
    role = tx.get("iam_role", role_arn.rsplit("/", 1)[1])
    return role.get("AssumeRolePolicyDocument") if role is not None and role.get("Arn") == role_arn else None


def context_pairs(pairs: Any) -> dict[str, Any]:
    if pairs is None:
        return {}
    if not isinstance(pairs, dict):
        raise ExplainError("context is an object of condition keys.")
    return pairs


def decide(gathered: Gathered, compiled: CompiledIdentity, action: str, resource: str, context: dict[str, Any],
           endpoint: tuple[str, Any] | None, resource_policy: tuple[str, Any] | None,
           root_identity: Any = ROOT_IDENTITY) -> dict:
    """The engine's decision as explain reports it. `endpoint` and `resource_policy` are (name, compiled policy)."""
    principal = gathered.principal
    identity = (root_identity,) if principal.kind == ROOT else compiled.identity
    trust = resource_policy is not None and resource_policy[1].policy_type == "trust"
    verdict = evaluate(Request(principal.arn, action, resource, context={**compiled.context, **context}),
                       identity=identity, boundaries=compiled.boundaries, session=compiled.session,
                       endpoint=(endpoint[1],) if endpoint else (),
                       resource=resource_policy[1] if resource_policy else None, resource_required=trust)
    kind, statement = deciding(verdict.matched, verdict.blocked_by, verdict.decision)
    out: dict[str, Any] = {
        "principal": principal.arn, "action": action, "resource": resource, "decision": verdict.decision,
        "allowed": verdict.decision == ALLOWED,
        "decidedBy": None if kind is None else {
            "policyType": kind, "policy": statement.policy if statement else _blocked_name(kind, compiled, endpoint,
                                                                                           resource_policy),
            "sid": statement.sid if statement else None, "index": statement.index if statement else None,
            "effect": statement.effect if statement else None},
        "matchedStatements": [{"policyType": m.policy_type, "policy": m.policy, "sid": m.sid, "index": m.index,
                               "effect": m.effect} for m in verdict.matched],
        "blockedBy": list(verdict.blocked_by),
        "policies": {"identity": ["root user (no identity policies: allowed)"] if principal.kind == ROOT
                     else [p.name for p in compiled.identity],
                     "boundary": compiled.boundaries[0].name if compiled.boundaries else None,
                     "session": [p.name for p in compiled.session],
                     "endpoint": endpoint[0] if endpoint else None,
                     "resource": resource_policy[1].name if resource_policy else None},
        "unresolved": list(gathered.unresolved) + list(compiled.unreadable),
        "message": None,
    }
    if verdict.decision != ALLOWED and kind is not None:
        on = f" on resource: {resource}"
        out["message"] = (f"User: {principal.arn} is not authorized to perform: {action}{on} "
                          f"{refusal_reason(verdict.decision, kind, action)}")
    return out


def _blocked_name(kind: str, compiled: CompiledIdentity, endpoint, resource_policy) -> str | None:
    if kind == "endpoint" and endpoint:
        return endpoint[0]
    if kind in ("resource", "trust") and resource_policy:
        return resource_policy[1].name
    if kind == "boundary" and compiled.boundaries:
        return compiled.boundaries[0].name
    return None


def run(pipeline, ctx, params: dict, aws_managed: AwsManaged | None = None) -> dict:
    """The admin action: {"principal", "action", "resource"?, "endpoint"?, "region"?, "context"?} → the decision."""
    from runnerlink.services.ec2.records.vpc_endpoints import VPC_ENDPOINT

    arn, action = params.get("principal"), params.get("action")
    if not isinstance(arn, str) or not isinstance(action, str) or ":" not in action:
        raise ExplainError('Send {"principal": ARN, "action": "service:Action"}; optional "resource", "endpoint", '
                           '"region" and "context".')
    resource = params.get("resource") or "*"
    region = params.get("region") or pipeline.settings.region
    endpoint_id = params.get("endpoint")
    if not isinstance(resource, str) or not isinstance(region, str) or not isinstance(endpoint_id, (str, type(None))):
        raise ExplainError("resource, endpoint and region are strings.")
    context = dict(context_pairs(params.get("context")))
    account = parse_principal(arn)[0]
    ctx.account, ctx.region = account, region
    gathered = pipeline.invoke(ctx, lambda h: gather(h.tx, arn, h.now, aws_managed), account, GLOBAL_REGION,
                               False)[0]
    authorizer = pipeline.authorizer
    compiled = authorizer.identities.compile(gathered.principal, gathered.policies)

    endpoint = None
    if endpoint_id:
        record = pipeline.invoke(ctx, lambda h: VPC_ENDPOINT.get(h, endpoint_id), account, region, False)[0]
        text = record.get("PolicyDocument")
        if str(record.get("ServiceName", "")).endswith(".apprunner.requests"):
            text = None  # AWS supports no endpoint policy there: the gateway doesn't apply a stored one either
        context.setdefault("aws:SourceVpce", endpoint_id)
        context.setdefault("aws:SourceVpc", record.get("VpcId"))
        if text:
            try:
                endpoint = (endpoint_id, authorizer.policies.get(text, endpoint_id, "endpoint"))
            except PolicyError as error:
                raise ExplainError(f"The policy of {endpoint_id} can't be evaluated: {error}") from None

    resource_policy = None
    if action.lower().startswith("sts:assume") and re.match(r"^arn:aws[\w-]*:iam::\d{12}:role/", resource):
        text = pipeline.invoke(ctx, lambda h: trust_policy(h.tx, resource), resource.split(":")[4], GLOBAL_REGION,
                               False)[0]
        if text is None:
            raise ExplainError(f"No role {resource}.")
        name = f"trust policy of {resource}"
        try:
            resource_policy = (name, authorizer.policies.get(text, name, "trust"))
        except PolicyError as error:
            raise ExplainError(f"The {name} can't be evaluated: {error}") from None
    return decide(gathered, compiled, action, resource, context, endpoint, resource_policy, ROOT_IDENTITY)
