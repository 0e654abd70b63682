"""What AssumeRole (and GetFederationToken) take beside the role: session policies, policy ARNs, session tags,
and the packed size AWS reports for them."""

from __future__ import annotations

import json
import math
import zlib

from runnerlink.policy import validate
from runnerlink.services.sts.errors import malformed_policy, sts_error, validation

MAX_POLICY_ARNS = 10
# The packed (compressed) space session policies and tags share; AWS doesn't publish it, and reports use of it as
# a percentage (PackedPolicySize).
PACKED_LIMIT = 2048


def session_policy(document: str | None) -> list[str]:
    if document is None:
        return []
    messages = validate(document, "session")
    if messages:
        raise malformed_policy(messages[0])
    return [document]


def policy_arns(descriptors: list[dict] | None) -> list[str]:
    arns = [d.get("arn") for d in descriptors or [] if d.get("arn")]
    if len(descriptors or []) > MAX_POLICY_ARNS:
        raise validation("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member "
                         f"must have length less than or equal to {MAX_POLICY_ARNS}")
    return arns


def session_tags(tags: list[dict] | None, transitive: list[str] | None) -> tuple[dict[str, str], list[str]]:
    """The tags as a mapping, keys unique case-insensitively; transitive keys must be among them."""
    found: dict[str, str] = {}
    lowered: set[str] = set()
    for tag in tags or []:
        key = tag["Key"]
        if key.lower() in lowered:
            raise validation("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        lowered.add(key.lower())
        found[key] = tag.get("Value", "")
    for key in transitive or []:
        if key.lower() not in lowered:
            raise validation("The specified transitive tag key must be included in the requested tags.")
    return found, list(transitive or [])


def packed_size(policies: list[str], arns: list[str], tags: dict[str, str]) -> int:
    """The percentage of the packed space the session's policies and tags use; PackedPolicyTooLarge beyond 100."""
    minified = [json.dumps(json.loads(text), separators=(",", ":")) for text in policies]
    packed = zlib.compress("\n".join(minified + arns + [f"{k}={v}" for k, v in tags.items()]).encode(), 9)
    percent = math.ceil(100 * len(packed) / PACKED_LIMIT)
    if percent > 100:
        raise sts_error("PackedPolicyTooLarge", f"Packed policy consumes {percent}% of allotted space, please use "
                                                f"smaller policy.")
    return percent


def with_inherited(tags: dict[str, str], transitive: list[str], inherited: dict[str, str],
                   inherited_keys: list[str]) -> tuple[dict[str, str], list[str]]:
    """A chained session's tags: the caller session's transitive tags pass on, still transitive, and can't be set
    anew (IAM UG, "Chaining roles with session tags"; the error's wording is runnerlink's, AWS's is unconfirmed)."""
    passed = {key: value for key, value in inherited.items() if key in inherited_keys}
    clash = sorted(k for k in tags if k.lower() in {p.lower() for p in passed})
    if clash:
        raise validation(f"The transitive tag key {clash[0]} of the calling session can't be overridden in a role "
                         f"chaining session.")
    return {**passed, **tags}, [*passed, *(k for k in transitive if k not in passed)]
