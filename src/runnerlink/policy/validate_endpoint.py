"""The PrivateLink Guide's extra rules for VPC endpoint policies (its "Considerations"; reference §1.2).

- no wildcards and no numeric operators with global keys that hold system-generated IDs;
- a wildcard in a string (or ARN) condition value needs at least 6 consecutive characters before or after it;
- the account field of an ARN holds an account ID or a wildcard, not both.
Whether EC2 rejects such a policy or it just never matches is not recorded, so these are not part of `validate`
(nor of compile_policy): `endpoint_considerations` reports them, and `runnerlink policy validate` shows them as
warnings. The messages say what is wrong in the style of IAM's.
"""

from __future__ import annotations

import json
import re
from typing import Any

from runnerlink.policy.validate import base_operator
from runnerlink.policy.validate_formats import split_arn

# Global keys whose values are system-generated identifiers (accounts, organizations, VPCs, endpoints).
SYSTEM_ID_KEYS = frozenset(k.lower() for k in (
    "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:ResourceAccount", "aws:ResourceOrgID", "aws:SourceAccount",
    "aws:SourceOrgID", "aws:SourceVpc", "aws:SourceVpce", "aws:VpceAccount", "aws:VpceOrgID"))
_WILDCARD_FAMILIES = ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals")
_WILDCARD = re.compile(r"[*?]")


def endpoint_considerations(document: str | dict) -> list[str]:
    """The PrivateLink rules a VPC endpoint policy breaks (empty when none, or when it is not even grammatical)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    statements = document.get("Statement") if isinstance(document, dict) else None
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list):
        return []
    messages: list[str] = []
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        for key in ("Resource", "NotResource"):
            messages += _account_field(_strings(statement.get(key)))
        condition = statement.get("Condition")
        for operator, block in (condition.items() if isinstance(condition, dict) else ()):
            base = base_operator(operator) or ""
            for condition_key, values in (block.items() if isinstance(block, dict) else ()):
                strings = [v for v in _strings(values) if isinstance(v, str)]
                messages += _condition(base, condition_key, strings)
    return list(dict.fromkeys(messages))


def _strings(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _condition(base: str, key: str, values: list[str]) -> list[str]:
    messages = []
    system_id = key.lower() in SYSTEM_ID_KEYS
    if system_id and base.startswith("Numeric"):
        messages.append(f"Numeric condition operators are not supported with {key} in a VPC endpoint policy.")
    if base in _WILDCARD_FAMILIES:
        for value in values:
            if not _WILDCARD.search(value):
                continue
            if system_id:
                messages.append(f"Wildcards are not supported with {key} in a VPC endpoint policy: {value}")
            elif not _anchored(value):
                messages.append("A wildcard in a VPC endpoint policy condition needs at least 6 consecutive "
                                f"characters before or after it: {value}")
        if base.startswith("Arn"):
            messages += _account_field(values)
    return messages


def _anchored(value: str) -> bool:
    """Every wildcard has a run of at least 6 non-wildcard characters right before or right after it."""
    runs = _WILDCARD.split(value)  # runs[i] precedes wildcard i, runs[i + 1] follows it
    return all(len(runs[i]) >= 6 or len(runs[i + 1]) >= 6 for i in range(len(runs) - 1))


def _account_field(arns: list) -> list[str]:
    messages = []
    for arn in arns:
        if not isinstance(arn, str):
            continue
        parts = split_arn(arn)
        if len(parts) > 4 and _WILDCARD.search(parts[4]) and re.search(r"[0-9]", parts[4]):
            messages.append(f"The account in {arn} must be an account ID or a wildcard, not both.")
    return messages
