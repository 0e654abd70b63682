"""Endpoint policy enforcement: a request that reached a service through a VPC endpoint is judged by its policy.

Identity policies aren't enforced yet, so an allow-all identity policy stands in for them and only the endpoint
policy decides. The verdict (matched or missing statement) and the global condition keys go on the context for the
traffic log.
"""

from __future__ import annotations

import time
from typing import Any

from runnerlink.errors import AWSError, ClientError
from runnerlink.policy import (EXPLICIT_DENY, CompiledPolicy, PolicyError, Request, compile_policy, evaluate)
from runnerlink.policy.apprunner_scope import request_scope

# What AWS attaches to an endpoint created without a policy.
DEFAULT_ENDPOINT_POLICY = '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'
_ALLOW_ALL_IDENTITY = compile_policy(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', "identity")
# The error each service answers a refused request with: (code, HTTP status, message prefix).
_DENIALS = {
    "apprunner": ("AccessDeniedException", 400, ""),
    "ec2": ("UnauthorizedOperation", 403, "You are not authorized to perform this operation. "),
    "sts": ("AccessDenied", 403, ""),
}
# Operations AWS answers without authorizing them (even an explicit deny doesn't stop them).
_UNAUTHORIZED_OPERATIONS = {("sts", "GetCallerIdentity")}
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


def condition_keys(network: dict, region: str | None, received_at: float) -> dict[str, Any]:
    """The network-derived global condition keys: endpoint keys through an endpoint, aws:SourceIp otherwise."""
    keys: dict[str, Any] = {}
    if network.get("outcome") == "endpoint":
        keys["aws:SourceVpce"] = network.get("endpoint")
        keys["aws:SourceVpc"] = network.get("vpc")
        keys["aws:VpcSourceIp"] = network.get("address")
    else:
        keys["aws:SourceIp"] = network.get("publicAddress") or network.get("clientAddress") or "127.0.0.1"
    if region:
        keys["aws:RequestedRegion"] = region
    keys["aws:EpochTime"], keys["aws:CurrentTime"] = _times(received_at)
    return {k: v for k, v in keys.items() if v is not None}


_last_times: tuple[int, tuple[str, str]] = (-1, ("", ""))


def _times(received_at: float) -> tuple[str, str]:
    """(aws:EpochTime, aws:CurrentTime) of an instant; the same second's strings are formatted once."""
    global _last_times
    second = int(received_at)
    if received_at < 0:  # before 1970 int() and gmtime() round differently: not worth a cache
        return str(second), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(received_at))
    if _last_times[0] != second:
        _last_times = (second, (str(second), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(received_at))))
    return _last_times[1]


def request_authorization(service: str, operation: str, params: dict, region: str,
                          account: str) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """(action, resources, service condition keys) of one request."""
    if service == "apprunner":
        try:
            scope = request_scope(operation, params, region, account)
            return scope.action, scope.all_resources, dict(scope.context)
        except (PolicyError, KeyError):  # an operation the catalogue doesn't know
            return f"apprunner:{operation}", ("*",), {}
    if service == "sts" and isinstance(params.get("RoleArn"), str):
        return f"sts:{operation}", (params["RoleArn"],), {}
    return f"{service}:{operation}", ("*",), {}


class EndpointAuthorizer:
    def __init__(self) -> None:
        self.policies = PolicyCache()

    def authorize(self, service: str, operation: str, params: dict, region: str, principal_arn: str,
                  account: str, network: dict, keys: dict[str, Any],
                  resource_tags: Any = None) -> dict | None:
        """The decision for the traffic log (its "result" is allowed, explicitDeny or implicitDeny; `denial` gives the
        error to answer a refusal with). None when no endpoint is on the path (nothing to enforce yet). `resource_tags(arn)` gives a stored
        resource's tags when the policy tests aws:ResourceTag."""
        if network.get("outcome") != "endpoint" or (service, operation) in _UNAUTHORIZED_OPERATIONS:
            return None
        endpoint_id = network.get("endpoint")
        text = network.get("endpointPolicy") or DEFAULT_ENDPOINT_POLICY
        action, resources, service_keys = request_authorization(service, operation, params, region, account)
        decision: dict[str, Any] = {"policy": "endpoint", "endpoint": endpoint_id, "action": action,
                                    "default": not network.get("endpointPolicy")}
        try:
            policy = self.policies.get(text, endpoint_id)
        except PolicyError as error:
            decision.update(result="implicitDeny", resource=resources[0], statement=None,
                            missing=f"the VPC endpoint policy of {endpoint_id} can't be evaluated: {error}")
            return decision
        context = {**keys, **service_keys}
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


def denial(service: str, principal_arn: str, decision: dict) -> AWSError:
    """The error AWS answers a request its endpoint policy refused with, in the service's own code and wording."""
    code, status, prefix = _DENIALS.get(service, ("AccessDenied", 403, ""))
    action, resource = decision["action"], decision["resource"]
    on = "" if resource == "*" and service == "ec2" else f" on resource: {resource}"
    why = ("with an explicit deny in a VPC endpoint policy" if decision["result"] == EXPLICIT_DENY
           else f"because no VPC endpoint policy allows the {action} action")
    return AWSError(f"{prefix}User: {principal_arn} is not authorized to perform: {action}{on} {why}",
                    code=code, status=status)


def _statement(info) -> dict | None:
    if info is None:
        return None
    return {"sid": info.sid, "index": info.index, "effect": info.effect}
