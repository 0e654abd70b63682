"""What each policy type admits: elements, Principal rules, Version, Sid characters, size limits and their messages.

Sizes and messages come from ../shared/reference/iam-evaluation.md §1.2 and §1.5 and the IAM, STS, Organizations and
PrivateLink quotas. The wording of messages that no AWS capture confirms is the most plausible one (see tests).
"""

from __future__ import annotations

from dataclasses import dataclass

# "trust": a role's trust policy (AssumeRolePolicyDocument), a resource-based policy without Resource elements.
POLICY_TYPES = ("identity", "resource", "trust", "endpoint", "boundary", "session", "scp", "rcp")

# IAM (PutUserPolicy, CreatePolicy …) and STS (the Policy parameter) accept only these characters.
IAM_CHARACTERS = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"

ORGANIZATIONS_MALFORMED = "The provided policy document does not meet the requirements of the specified policy type."


@dataclass(frozen=True)
class Limit:
    size: int
    count_whitespace: bool
    message: str


@dataclass(frozen=True)
class TypeRules:
    principal: str                  # "required" or "forbidden"
    version_required: bool          # a missing or 2008-10-17 Version is rejected
    top_keys: frozenset[str]
    alphanumeric_sid: bool
    character_parameter: str | None  # the API parameter whose character pattern applies, when one does
    organizations: bool             # Organizations' own restrictions give its generic message
    resources_required: bool = True  # every statement names Resource or NotResource (not so in trust policies)


STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition",
                            "Principal", "NotPrincipal"})

RULES: dict[str, TypeRules] = {
    "identity": TypeRules("forbidden", True, frozenset({"Version", "Id", "Statement"}), True,
                          "policyDocument", False),
    "boundary": TypeRules("forbidden", True, frozenset({"Version", "Id", "Statement"}), True,
                          "policyDocument", False),
    "session": TypeRules("forbidden", True, frozenset({"Version", "Id", "Statement"}), True,
                         "policy", False),
    "resource": TypeRules("required", False, frozenset({"Version", "Id", "Statement"}), False,
                          None, False),
    "trust": TypeRules("required", False, frozenset({"Version", "Id", "Statement"}), False,
                       None, False, resources_required=False),
    "endpoint": TypeRules("required", False, frozenset({"Version", "Id", "Statement"}), False,
                          None, False),
    # SCP and RCP element tables (Organizations User Guide) list no Id; RCPs have no NotAction and no NotPrincipal.
    "scp": TypeRules("forbidden", True, frozenset({"Version", "Statement"}), False, None, True),
    "rcp": TypeRules("required", True, frozenset({"Version", "Statement"}), False, None, True),
}

_MANAGED = Limit(6144, False, "Cannot exceed quota for PolicySize: 6144")
_ORGANIZATIONS = Limit(5120, True, "You have exceeded the maximum policy size.")

# Inline identity policies: the limit is the aggregate of an entity's inline policies; one document is checked here.
INLINE_LIMITS = {"user": 2048, "group": 5120, "role": 10240}


def size_limit(policy_type: str, entity: str | None, name: str | None) -> Limit | None:
    if policy_type == "identity" and entity is not None:
        size = INLINE_LIMITS[entity]
        target = f"{entity} {name}" if name else entity
        return Limit(size, False, f"Maximum policy size of {size} bytes exceeded for {target}.")
    if policy_type in ("identity", "boundary"):
        return _MANAGED
    if policy_type == "session":
        return Limit(2048, True, "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
                                 "Member must have length less than or equal to 2048")
    if policy_type in ("scp", "rcp"):
        return _ORGANIZATIONS
    if policy_type == "endpoint":
        return Limit(20480, True, "Policy document exceeds the maximum size of 20480 characters.")
    return None  # resource policies: the limit belongs to each service
