"""Endpoint policy enforcement: a request that reached a service through a VPC endpoint is judged by its policy.

Identity policies aren't enforced: an allow-all identity policy stands in for them and only the endpoint
policy decides. What each service's requests are judged as (action, resources, condition keys) and how it words a
refusal, its package declares; the verdict (matched or missing statement) goes on the context for the traffic log.
"""

from __future__ import annotations

from typing import Any, Callable

from runnerlink.errors import AWSError, ClientError
from runnerlink.network.context import NetworkContext
from runnerlink.policy import EXPLICIT_DENY, CompiledPolicy, PolicyError, Request, compile_policy, evaluate
from runnerlink.services.base import ServicePackage

_ALLOW_ALL_IDENTITY = compile_policy(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', "identity")
_CACHE_LIMIT = 256


class NotEmulated(ClientError):
    """A request the subnet gateway carried to a service runnerlink has no emulation of."""

    code = "NotImplemented"
    status = 501  # not retried by the SDKs, unlike 500/502/503/504


class PolicyCache:
    """Compiled endpoint policies keyed by their text: an edited policy is a new key, so it applies at once."""

    def __init__(self, limit: int = _CACHE_LIMIT):
        self.limit = limit
        self._compiled: dict[str, CompiledPolicy | PolicyError] = {}

    def get(self, text: str, endpoint_id: str | None) -> CompiledPolicy:
        key = f"{endpoint_id}\0{text}"  # the endpoint id names the policy in matched statements
        got = self._compiled.get(key)
        if got is None:
            try:
                got = compile_policy(text, "endpoint", name=endpoint_id)
            except PolicyError as error:
                got = error
            if len(self._compiled) >= self.limit:
                self._compiled.clear()
            self._compiled[key] = got
        if isinstance(got, PolicyError):
            raise got
        return got


class EndpointAuthorizer:
    def __init__(self) -> None:
        self.policies = PolicyCache()

    def authorize(self, package: ServicePackage, operation: str, params: dict, region: str, principal_arn: str,
                  account: str, network: NetworkContext, keys: dict[str, Any],
                  resource_tags: Callable[[str], dict[str, str]] | None = None) -> dict | None:
        """The decision for the traffic log (its "result" is allowed, explicitDeny or implicitDeny; `denial` gives the
        error to answer a refusal with). None when no endpoint is on the path, or for an operation the service
        answers without authorization. `resource_tags(arn)` gives a stored resource's tags when the policy tests
        aws:ResourceTag."""
        if not network.through_endpoint:
            return None
        authorization = package.authorize(operation, params, region, account)
        if authorization is None:
            return None
        endpoint_id = network.endpoint
        text = network.endpoint_policy
        action, resources = authorization.action, authorization.resources
        decision: dict[str, Any] = {"policy": "endpoint", "endpoint": endpoint_id, "action": action,
                                    "default": text is None}
        if text is None:  # an endpoint without a policy document gives full access, as AWS's default policy
            decision.update(result="allowed", resource=resources[0], statement=None, missing=None)
            return decision
        try:
            policy = self.policies.get(text, endpoint_id)
        except PolicyError as error:  # EC2 stores only policies the engine compiles; kept for hand-built contexts
            decision.update(result="implicitDeny", resource=resources[0], statement=None,
                            missing=f"the VPC endpoint policy of {endpoint_id} can't be evaluated: {error}")
            return decision
        context = {**keys, **authorization.context}
        check_tags = resource_tags is not None and "aws:resourcetag" in text.lower()
        refused: tuple[str, bool, Any] | None = None
        allowed_by = None
        for resource in resources:
            resource_context = context
            if check_tags and resource != "*":
                resource_context = {**context, **{f"aws:ResourceTag/{k}": v
                                                  for k, v in (resource_tags(resource) or {}).items()}}
            verdict = evaluate(Request(principal_arn, action, resource, context=resource_context),
                               identity=(_ALLOW_ALL_IDENTITY,), endpoint=(policy,))
            mine = [m for m in verdict.matched if m.policy_type == "endpoint"]
            if verdict.decision == EXPLICIT_DENY:
                refused = (resource, True, mine[0] if mine else None)
                break
            if "endpoint" in verdict.blocked_by:
                refused = refused or (resource, False, None)
            elif allowed_by is None:
                allowed_by = mine[0] if mine else None
        if refused is None:
            decision.update(result="allowed", resource=resources[0], statement=_statement(allowed_by), missing=None)
            return decision
        resource, explicit, statement = refused
        decision.update(result="explicitDeny" if explicit else "implicitDeny", resource=resource,
                        statement=_statement(statement),
                        missing=None if explicit else f"no statement in the VPC endpoint policy of {endpoint_id} "
                                                      f"allows {action} on {resource}")
        return decision


def denial(package: ServicePackage, principal_arn: str, decision: dict) -> AWSError:
    """The error AWS answers a request its endpoint policy refused with, in the service's own code and wording."""
    wording = package.denial
    action, resource = decision["action"], decision["resource"]
    on = "" if resource == "*" and not wording.names_any_resource else f" on resource: {resource}"
    why = ("with an explicit deny in a VPC endpoint policy" if decision["result"] == EXPLICIT_DENY
           else f"because no VPC endpoint policy allows the {action} action")
    return AWSError(f"{wording.prefix}User: {principal_arn} is not authorized to perform: {action}{on} {why}",
                    code=wording.code, status=wording.status)


def _statement(info) -> dict | None:
    if info is None:
        return None
    return {"sid": info.sid, "index": info.index, "effect": info.effect}
