"""The authorize step's judge: a request's principal, action and resources against the policies that apply to it.

Two modes (Settings.iam):
- off: identity policies aren't enforced; an allow-all identity policy stands in for them. Through a VPC endpoint
  its policy decides, and a resource policy the package names (a role's trust policy for sts:AssumeRole) must allow.
- enforce: the principal's identity policies, its permissions boundary and its session policies, the endpoint
  policy on the path and the package's resource policy, in the engine's full decision order. An account's root
  user has no identity policies and is allowed what the other policies don't refuse.

What each service's requests are judged as (action, resources, condition keys) and how it words a refusal, its
package declares. The verdict (which policy and statement decided) goes on the context for the traffic log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable

from runnerlink.auth.identity import ROOT, Principal
from runnerlink.errors import AWSError, ClientError
from runnerlink.network.context import NetworkContext
from runnerlink.policy import (ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, CompiledPolicy, Decision, MatchedStatement,
                               PolicyError, Request, compile_policy, evaluate)
from runnerlink.services.base import PrincipalPolicies, ServicePackage

IAM_OFF, IAM_ENFORCE = "off", "enforce"
_ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
_ALLOW_ALL_IDENTITY = compile_policy(_ALLOW_ALL, "identity", name="allow-all stand-in")
ROOT_IDENTITY = compile_policy(_ALLOW_ALL, "identity", name="root user")
_CACHE_LIMIT = 4096

# How AccessDenied messages name each policy type (IAM UG, *Troubleshoot access denied error messages*).
POLICY_WORDS = {"identity": "identity-based policy", "boundary": "permissions boundary", "session": "session policy",
                "endpoint": "VPC endpoint policy", "resource": "resource-based policy",
                "trust": "resource-based policy", "scp": "service control policy",
                "rcp": "resource control policy"}
# Which missing allow an implicit deny is worded after when several are missing.
_BLOCK_ORDER = ("endpoint", "scp", "rcp", "identity", "boundary", "session", "resource")


class NotEmulated(ClientError):
    """A request the subnet gateway carried to a service runnerlink has no emulation of."""

    code = "NotImplemented"
    status = 501  # not retried by the SDKs, unlike 500/502/503/504


class PolicyCache:
    """Compiled policies keyed by their type, name and text: an edited policy is a new key, so it applies at once.
    A document that doesn't compile is kept as its error."""

    def __init__(self, limit: int = _CACHE_LIMIT):
        self.limit = limit
        self._compiled: dict[tuple[str, str | None, str], CompiledPolicy | PolicyError] = {}

    def get(self, text: str, name: str | None, policy_type: str = "endpoint") -> CompiledPolicy:
        key = (policy_type, name, text)  # the name names the policy in matched statements
        got = self._compiled.get(key)
        if got is None:
            try:
                got = compile_policy(text, policy_type, name=name)
            except PolicyError as error:
                got = error
            if len(self._compiled) >= self.limit:
                self._compiled.clear()
            self._compiled[key] = got
        if isinstance(got, PolicyError):
            raise got
        return got


@dataclass(frozen=True)
class CompiledIdentity:
    """A principal's policies, compiled, with the condition keys they bring (aws:PrincipalTag/…, aws:userid)."""

    identity: tuple[CompiledPolicy, ...]
    boundaries: tuple[CompiledPolicy, ...]
    session: tuple[CompiledPolicy, ...]
    context: dict[str, Any]
    unreadable: tuple[str, ...] = ()  # policies that didn't compile (left out: they allow nothing)
    tests_resource_tags: bool = False  # a policy reads aws:ResourceTag (the request then looks tags up)


class IdentityCache:
    """A principal's compiled policies, kept while the store's generation is the one they were read at."""

    def __init__(self, policies: PolicyCache, limit: int = _CACHE_LIMIT):
        self.policies = policies
        self.limit = limit
        self._entries: dict[tuple[str, str, str], tuple[Hashable, CompiledIdentity]] = {}

    def get(self, principal: Principal, generation: Hashable,
            load: Callable[[Principal], PrincipalPolicies]) -> CompiledIdentity:
        key = (principal.account, principal.access_key, principal.arn)
        got = self._entries.get(key)
        if got is not None and got[0] == generation:
            return got[1]
        compiled = self.compile(principal, load(principal))
        if len(self._entries) >= self.limit:
            self._entries.clear()
        self._entries[key] = (generation, compiled)
        return compiled

    def compile(self, principal: Principal, found: PrincipalPolicies) -> CompiledIdentity:
        unreadable: list[str] = []
        tags = False

        def each(pairs, policy_type: str) -> tuple[CompiledPolicy, ...]:
            nonlocal tags
            out = []
            for name, text in pairs:
                tags = tags or "aws:resourcetag" in text.lower()
                try:
                    out.append(self.policies.get(text, name, policy_type))
                except PolicyError:
                    unreadable.append(name)
            return tuple(out)

        context: dict[str, Any] = {f"aws:PrincipalTag/{k}": v for k, v in dict(principal.tags).items()}
        context.update({f"aws:PrincipalTag/{k}": v for k, v in found.tags.items()})
        if principal.user_id:
            context["aws:userid"] = principal.user_id
        compiled = (each(found.identity, "identity"), each((found.boundary,) if found.boundary else (), "boundary"),
                    each(found.session, "session"))
        return CompiledIdentity(*compiled, context, tuple(unreadable), tags)


_STAND_IN = CompiledIdentity((_ALLOW_ALL_IDENTITY,), (), (), {})
_ROOT = CompiledIdentity((ROOT_IDENTITY,), (), (), {})
_NOBODY = CompiledIdentity((), (), (), {})


class Authorizer:
    def __init__(self, mode: str = IAM_OFF) -> None:
        self.mode = mode
        self.policies = PolicyCache()
        self.identities = IdentityCache(self.policies)
        # What a request is judged as depends only on its package, operation, input, region and account, so the
        # same request bytes give the same Authorization (as the edge's read cache reasons about answers).
        self._authorizations: dict[Hashable, Any] = {}
        self._verdicts: dict[Hashable, tuple[CompiledIdentity, tuple[CompiledPolicy, ...], Decision]] = {}

    def authorization(self, package: ServicePackage, operation: str, params: dict, region: str, account: str,
                      key: Hashable | None):
        if key is None:
            return package.authorize(operation, params, region, account)
        key = (package.name, operation, region, account, key)
        got = self._authorizations.get(key, self)
        if got is self:
            got = package.authorize(operation, params, region, account)
            if len(self._authorizations) >= _CACHE_LIMIT:
                self._authorizations.clear()
            self._authorizations[key] = got
        return got

    def _verdict(self, principal_arn: str, action: str, arn: str, context: dict[str, Any],
                 principals: CompiledIdentity, endpoint: tuple[CompiledPolicy, ...], resource: CompiledPolicy | None,
                 trust: bool) -> Decision:
        """evaluate(), memoized: a decision depends on the request's context only through the condition keys the
        policies read (CompiledPolicy.context_keys), so requests that agree on those get the same decision. The
        memo holds the compiled policies it was made with, so a recompiled policy is a new entry."""
        policies = (*principals.identity, *principals.boundaries, *principals.session, *endpoint,
                    *((resource,) if resource is not None else ()))
        read = frozenset().union(*(policy.context_keys for policy in policies)) if policies else frozenset()
        values = tuple(sorted((k.lower(), tuple(v) if isinstance(v, list) else v) for k, v in context.items()
                              if k.lower() in read)) if read else ()
        key = (id(principals), tuple(map(id, policies)), principal_arn, action, arn, trust, values)
        found = self._verdicts.get(key)
        if found is not None and found[0] is principals and all(a is b for a, b in zip(found[1], policies)):
            return found[2]
        verdict = evaluate(Request(principal_arn, action, arn, context=context),
                           identity=principals.identity, boundaries=principals.boundaries,
                           session=principals.session, endpoint=endpoint, resource=resource,
                           resource_required=resource is not None and trust)
        if len(self._verdicts) >= _CACHE_LIMIT:
            self._verdicts.clear()
        self._verdicts[key] = (principals, policies, verdict)
        return verdict

    def authorize(self, package: ServicePackage, operation: str, params: dict, region: str, principal: Principal,
                  network: NetworkContext, keys: dict[str, Any],
                  resource_tags: Callable[[str], dict[str, str]] | None = None,
                  resource_policy: Callable[[str], str | None] | None = None,
                  identity: Callable[[], CompiledIdentity] | None = None,
                  request_key: Hashable | None = None) -> dict | None:
        """The decision for the traffic log: its "result" (allowed, explicitDeny, implicitDeny), the deciding policy's
        type ("policy") and name ("policyName"), its statement, the action and resource judged, and for an implicit
        deny what is missing. None when nothing judges the request (off mode, no endpoint on the path and no
        resource policy), or for an operation the service answers without authorization.
        `resource_tags(arn)`: a stored resource's tags, for aws:ResourceTag. `resource_policy(account)`: the
        package's resource policy of this request, read in the resource's account, or None. `identity()`: the
        principal's compiled policies (enforce mode). `request_key`: the request's input bytes, when the same bytes
        always mean the same input (its Authorization is then computed once)."""
        authorization = self.authorization(package, operation, params, region, principal.account, request_key)
        if authorization is None:
            return None
        enforce = self.mode == IAM_ENFORCE
        through = network.through_endpoint
        text = resource_policy(_account_of(authorization.resources[0], principal.account)) \
            if resource_policy is not None else None
        if not enforce and not through and text is None:
            return None
        action, resources = authorization.action, authorization.resources
        decision: dict[str, Any] = {"mode": self.mode, "action": action, "resource": resources[0],
                                    "endpoint": network.endpoint if through else None,
                                    "default": through and network.endpoint_policy is None}

        endpoint: tuple[CompiledPolicy, ...] = ()
        if through and network.endpoint_policy is not None:
            try:
                endpoint = (self.policies.get(network.endpoint_policy, network.endpoint, "endpoint"),)
            except PolicyError as error:  # EC2 stores only policies the engine compiles; kept for hand-built contexts
                return _refused(decision, IMPLICIT_DENY, "endpoint", network.endpoint, None,
                                f"the VPC endpoint policy of {network.endpoint} can't be evaluated: {error}")

        trust = action.startswith("sts:Assume")  # the resource policy of an AssumeRole* call is the role's trust
        resource: CompiledPolicy | None = None
        if text is not None:
            kind, name = ("trust", f"trust policy of {resources[0]}") if trust else ("resource", None)
            try:
                resource = self.policies.get(text, name, kind)
            except PolicyError as error:
                return _refused(decision, IMPLICIT_DENY, kind, name, None,
                                f"the {POLICY_WORDS[kind]} can't be evaluated: {error}")

        if not enforce:
            principals = _STAND_IN
        elif principal.kind == ROOT:
            principals = _ROOT
        else:
            principals = identity() if identity is not None else _NOBODY

        context = {**keys, **principals.context, **authorization.context} if principals.context else {
            **keys, **authorization.context}
        check_tags = resource_tags is not None and (principals.tests_resource_tags or any(
            "aws:resourcetag" in t.lower() for t in (network.endpoint_policy, text) if t))
        allowed: MatchedStatement | None = None
        for act in (action, *authorization.also) if authorization.also else (action,):
            for arn in resources:
                judged = context
                if check_tags and arn != "*":
                    judged = {**context, **{f"aws:ResourceTag/{k}": v for k, v in (resource_tags(arn) or {}).items()}}
                verdict = self._verdict(principal.arn, act, arn, judged, principals, endpoint, resource, trust)
                if verdict.decision != ALLOWED:  # every statement that matched, for the log of a refusal
                    decision["matched"] = [_matched(m) for m in verdict.matched]
                if verdict.decision == EXPLICIT_DENY:
                    deny = verdict.matched[0]
                    decision.update(action=act, resource=arn)
                    return _refused(decision, EXPLICIT_DENY, deny.policy_type, deny.policy, deny, None)
                if verdict.decision != ALLOWED:
                    blocked = min(verdict.blocked_by, key=_BLOCK_ORDER.index)
                    name = _name_of(blocked, network, resource, principals)
                    decision.update(action=act, resource=arn)
                    what = POLICY_WORDS[blocked] + (f" of {name}" if name and blocked in ("endpoint", "boundary")
                                                    else "")
                    if blocked == "resource" and name:
                        what = name  # "trust policy of arn:aws:iam::…:role/…"
                    if blocked == "resource" and resource is not None:
                        blocked = resource.policy_type  # "trust" for a role's trust policy
                    return _refused(decision, IMPLICIT_DENY, blocked, name, None,
                                    f"no statement in the {what} allows {act} on {arn}")
                if allowed is None:
                    allowed = _deciding_allow(verdict.matched, enforce)
        if allowed is not None and allowed.policy == ROOT_IDENTITY.name and principal.kind == ROOT:
            decision.update(result=ALLOWED, action=action, resource=resources[0], missing=None, policy="root",
                            policyName=None, statement=None)  # root: allowed what no policy refuses
            return decision
        decision.update(result=ALLOWED, action=action, resource=resources[0], missing=None,
                        policy=allowed.policy_type if allowed else ("endpoint" if through else None),
                        policyName=allowed.policy if allowed else (network.endpoint if through else None),
                        statement=_statement(allowed))
        return decision


def _account_of(arn: str, default: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and len(parts[4]) == 12 and parts[4].isdigit() else default


def _deciding_allow(matched: list[MatchedStatement], enforce: bool) -> MatchedStatement | None:
    """The statement an allow is credited to: in enforce mode the grant (a resource or identity policy statement),
    in off mode the endpoint's."""
    order = ("trust", "resource", "identity") if enforce else ("endpoint", "trust", "resource")
    for kind in order:
        for m in matched:
            if m.policy_type == kind and m.effect == "Allow":
                return m
    return None  # off mode with only the allow-all stand-in (an endpoint without a policy document)


def _name_of(blocked: str, network: NetworkContext, resource: CompiledPolicy | None,
             principals: CompiledIdentity) -> str | None:
    if blocked == "endpoint":
        return network.endpoint
    if blocked == "resource":
        return resource.name if resource is not None else None
    if blocked == "boundary" and principals.boundaries:
        return principals.boundaries[0].name
    return None


def _refused(decision: dict, result: str, policy_type: str, name: str | None, statement: MatchedStatement | None,
             missing: str | None) -> dict:
    decision.update(result=result, policy=policy_type, policyName=name, statement=_statement(statement),
                    missing=missing)
    return decision


def denial(package: ServicePackage, principal_arn: str, decision: dict) -> AWSError:
    """The error AWS answers a refused request with, naming the policy type that refused it, in the service's own
    code and wording."""
    wording = package.denial
    action, resource = decision["action"], decision["resource"]
    on = "" if resource == "*" and not wording.names_any_resource else f" on resource: {resource}"
    why = refusal_reason(decision["result"], decision.get("policy") or "endpoint", action)
    return AWSError(f"{wording.prefix}User: {principal_arn} is not authorized to perform: {action}{on} {why}",
                    code=wording.code, status=wording.status)


def refusal_reason(result: str, policy_type: str, action: str) -> str:
    """AWS's closing words: "with an explicit deny in a permissions boundary", "because no identity-based policy
    allows the apprunner:CreateService action"."""
    words = POLICY_WORDS.get(policy_type, "policy")
    article = "an" if words[0] in "aeiou" else "a"
    if result == EXPLICIT_DENY:
        return f"with an explicit deny in {article} {words}"
    return f"because no {words} allows the {action} action"


def deciding(matched: list[MatchedStatement], blocked_by: list[str], result: str,
             enforce: bool = True) -> tuple[str | None, MatchedStatement | None]:
    """(the policy type that decided, its statement when one did) for an engine decision."""
    if result == EXPLICIT_DENY:
        return matched[0].policy_type, matched[0]
    if result != ALLOWED:
        return min(blocked_by, key=_BLOCK_ORDER.index), None
    allowed = _deciding_allow(matched, enforce)
    return (allowed.policy_type if allowed else None), allowed


def _statement(info: MatchedStatement | None) -> dict | None:
    if info is None:
        return None
    return {"sid": info.sid, "index": info.index, "effect": info.effect}


def _matched(info: MatchedStatement) -> dict:
    return {"policyType": info.policy_type, "policy": info.policy, "sid": info.sid, "index": info.index,
            "effect": info.effect}
