"""A role's trust policy as a resource-based policy the engine evaluates, and the check AssumeRole makes with it.

Trust policies have no Resource element (the role is the resource); `evaluable` adds it so the engine's resource
policy type takes the document. The edge evaluates it, in every mode, through the STS package's resource_policy
hook (server/authorize.py: a trust policy must grant; the identity side must allow too unless it names the caller).
"""

from __future__ import annotations

import json


def evaluable(trust_policy: str, role_arn: str) -> str:
    """The trust policy with the role as every statement's Resource."""
    document = json.loads(trust_policy)
    statements = document.get("Statement")
    items = statements if isinstance(statements, list) else [statements]
    document["Statement"] = [{**statement, "Resource": role_arn} if isinstance(statement, dict) else statement
                             for statement in items]
    return json.dumps(document)
