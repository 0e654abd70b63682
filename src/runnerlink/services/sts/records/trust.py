"""A role's trust policy as a resource-based policy the engine evaluates, and the check AssumeRole makes with it.

Trust policies have no Resource element (the role is the resource); `evaluable` adds it so the engine's resource
policy type takes the document. The edge evaluates it through the STS package's resource_policy hook; `allows` is
the handler's own check, which keeps AssumeRole gated by the trust policy in every mode.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from runnerlink.policy import ALLOWED, Request, compile_policy, evaluate
from runnerlink.policy.errors import PolicyError

_ALLOW_ALL = compile_policy(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', "identity")


def evaluable(trust_policy: str, role_arn: str) -> str:
    """The trust policy with the role as every statement's Resource."""
    document = json.loads(trust_policy)
    statements = document.get("Statement")
    items = statements if isinstance(statements, list) else [statements]
    document["Statement"] = [{**statement, "Resource": role_arn} if isinstance(statement, dict) else statement
                             for statement in items]
    return json.dumps(document)


def allows(role: dict, caller: str, actions: tuple[str, ...], context: Mapping[str, Any]) -> bool:
    """Whether the role's trust policy lets `caller` take every one of `actions` (sts:AssumeRole, and
    sts:TagSession / sts:SetSourceIdentity when the request needs them). Identity policies stand in as allow-all:
    only the trust policy is judged here, and one of its statements must grant (a role's trust is never implied)."""
    try:
        policy = compile_policy(evaluable(role["AssumeRolePolicyDocument"], role["Arn"]), "resource",
                                name="trust policy")
    except (PolicyError, ValueError):
        return False
    for action in actions:
        decision = evaluate(Request(principal=caller, action=action, resource=role["Arn"], context=context),
                            identity=(_ALLOW_ALL,), resource=policy)
        if decision.decision != ALLOWED or not any(m.policy_type == "resource" for m in decision.matched):
            return False
    return True
