"""Policy validation with AWS's MalformedPolicyDocument messages, per policy type.

`validate` returns every problem it finds, in the order AWS checks them: the first message is the one AWS would
return (size and character limits, then JSON syntax and grammar, Version, Principal, "legacy parsing" of effects,
dates and ARNs, Sid uniqueness, actions, resource formats, vendor prefixes, resources, then the rules of a type).
A syntax error stops the checks, as the later ones need a well-formed document.
"""

from __future__ import annotations

import json
import re
from typing import Any

from runnerlink.policy import validate_formats as fmt
from runnerlink.policy.errors import PolicyError
from runnerlink.policy.validate_types import (IAM_CHARACTERS, ORGANIZATIONS_MALFORMED, POLICY_TYPES, RULES,
                                              STATEMENT_KEYS, TypeRules, size_limit)

SYNTAX = "Syntax errors in policy."
VERSION = "Policy document must be version 2012-10-17 or greater."
NO_PRINCIPAL = "Policy document should not specify a principal."
MISSING_PRINCIPAL = "Missing required field Principal."
DUPLICATE_SID = "Statement IDs (SID) in a single policy must be unique."
SID_CHARACTERS = ("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression "
                  "[0-9A-Za-z]*")
NO_ACTIONS = "Policy statement must contain actions."
NO_RESOURCES = "Policy statement must contain resources."
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
ONE_COLON = "Actions/Condition can contain only one colon."

OPERATORS = {
    # family: the operators, and whether policy variables may appear in their values
    "String": (("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
                "StringLike", "StringNotLike"), True),
    "Numeric": (("NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
                 "NumericGreaterThan", "NumericGreaterThanEquals"), False),
    "Date": (("DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
              "DateGreaterThanEquals"), False),
    "Bool": (("Bool",), True),  # the IAM User Guide contradicts itself; accepting is the lenient choice
    "Binary": (("BinaryEquals",), False),
    "Ip": (("IpAddress", "NotIpAddress"), False),
    "Arn": (("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"), True),
    "Null": (("Null",), False),
}
FAMILY = {operator: family for family, (names, _) in OPERATORS.items() for operator in names}
_SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")
_VENDOR = re.compile(r"[A-Za-z0-9.\-]*")
_SID = re.compile(r"[0-9A-Za-z]*")
_IAM_CHARACTER = re.compile(r"[^\t\n\r\u0020-\u00ff]")
_PRINCIPAL_KEYS = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})
_AWS_PRINCIPAL = re.compile(
    r"\*|\d{12}|arn:[a-z\-]+:iam::\d{12}:(root|(user|role|federated-user)/[^*?]+)"
    r"|arn:[a-z\-]+:sts::\d{12}:(assumed-role/[^*?/]+/[^*?]+|federated-user/[^*?]+)")


def validate(document: str | bytes | dict, policy_type: str, *, entity: str | None = None,
             name: str | None = None) -> list[str]:
    """AWS's messages for `document` as a policy of `policy_type` (empty when it is valid).

    `entity` ("user", "group", "role") marks an identity policy as an inline policy of that kind of entity, whose size
    limit differs from a managed policy's; `name` is the entity's name for the message.
    """
    if policy_type not in RULES:
        raise PolicyError(f"unknown policy type {policy_type!r}; expected one of {', '.join(POLICY_TYPES)}")
    if entity is not None and (policy_type != "identity" or entity not in ("user", "group", "role")):
        raise PolicyError("entity applies to identity policies only and is one of user, group, role")
    rules = RULES[policy_type]
    if isinstance(document, (bytes, bytearray)):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError:
            return [SYNTAX]
    try:
        text = document if isinstance(document, str) else json.dumps(document, separators=(",", ":"),
                                                                        ensure_ascii=False)
    except (TypeError, ValueError):
        return [SYNTAX]
    messages = _limits(text, policy_type, rules, entity, name)
    parsed = _parse(document)
    statements = _statements(parsed, rules) if parsed is not None else None
    if statements is None:
        return _unique(messages + [SYNTAX])
    messages += _checks(parsed, statements, rules)
    return _unique(messages)


def _unique(messages: list[str]) -> list[str]:
    return list(dict.fromkeys(messages))


def _limits(text: str, policy_type: str, rules: TypeRules, entity: str | None, name: str | None) -> list[str]:
    messages = []
    if rules.character_parameter and _IAM_CHARACTER.search(text):
        messages.append(f"1 validation error detected: Value at '{rules.character_parameter}' failed to satisfy "
                        f"constraint: Member must satisfy regular expression pattern: {IAM_CHARACTERS}")
    limit = size_limit(policy_type, entity, name)
    if limit is not None:
        size = len(text) if limit.count_whitespace else _size_without_whitespace(text)
        if size > limit.size:
            messages.append(limit.message)
    return messages


def _size_without_whitespace(text: str) -> int:
    """Characters outside whitespace that lies between JSON tokens (IAM does not count it)."""
    size, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            size += 1
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif not char.isspace():
            size += 1
            in_string = char == '"'
    return size


def _parse(document: str | dict) -> Any:
    if not isinstance(document, str):
        return document if isinstance(document, dict) else None
    try:
        return json.loads(document, object_pairs_hook=_no_duplicate_keys)
    except ValueError:
        return None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


# --- grammar: anything wrong here is "Syntax errors in policy." ---------------------------------------------------

def _statements(policy: Any, rules: TypeRules) -> list[dict] | None:
    """The statements of a grammatical policy, or None."""
    if not isinstance(policy, dict) or not set(policy) <= rules.top_keys:
        return None
    if "Version" in policy and policy["Version"] not in ("2008-10-17", "2012-10-17"):
        return None
    if "Id" in policy and not isinstance(policy["Id"], str):
        return None
    statement = policy.get("Statement")
    statements = [statement] if isinstance(statement, dict) else statement
    if not isinstance(statements, list) or not statements:
        return None
    if not all(isinstance(s, dict) and _statement_grammatical(s) for s in statements):
        return None
    return statements


def _statement_grammatical(statement: dict) -> bool:
    if not set(statement) <= STATEMENT_KEYS:
        return False
    for one, other in (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal")):
        if one in statement and other in statement:
            return False
    effect = statement.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        return False
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        return False
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in statement and not _string_or_strings(statement[key]):
            return False
    for key in ("Principal", "NotPrincipal"):
        if key in statement and not _principal_grammatical(statement[key]):
            return False
    return "Condition" not in statement or _condition_grammatical(statement["Condition"])


def _string_or_strings(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(item is None or isinstance(item, str) for item in value)


def _principal_grammatical(value: Any) -> bool:
    if isinstance(value, str):
        return value == "*"
    return (isinstance(value, dict) and bool(value) and set(value) <= _PRINCIPAL_KEYS
            and all(_string_or_strings(v) and v != [] for v in value.values()))


def _condition_grammatical(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for operator, block in condition.items():
        if not isinstance(block, dict):
            return False
        if base_operator(operator) is None and block:
            return False
        for values in block.values():
            items = values if isinstance(values, list) else [values]
            if not all(isinstance(v, (str, bool, int, float)) for v in items):
                return False
    return True


def base_operator(name: str) -> str | None:
    """The base operator of a condition operator name (prefix and IfExists removed), or None if unknown."""
    base = name
    for prefix in _SET_PREFIXES:
        if base.startswith(prefix):
            base = base[len(prefix):]
            break
    if base.endswith("IfExists") and base != "IfExists":
        base = base[: -len("IfExists")]
        if base == "Null":
            return None
    return base if base in FAMILY else None


# --- the checks after the grammar, in AWS's order ----------------------------------------------------------------

def _checks(policy: dict, statements: list[dict], rules: TypeRules) -> list[str]:
    messages: list[str] = []
    if rules.version_required and policy.get("Version") != "2012-10-17":
        messages.append(VERSION)
    messages += _principal_checks(statements, rules)
    if any(_legacy_failure(s) for s in statements):
        messages.append(fmt.LEGACY)
    sids = [s["Sid"] for s in statements if s.get("Sid")]
    if len(sids) != len(set(sids)):
        messages.append(DUPLICATE_SID)
    if rules.alphanumeric_sid and not all(_SID.fullmatch(sid) for sid in sids):
        messages.append(SID_CHARACTERS)
    if not all(_entries(s, "Action") or _entries(s, "NotAction") for s in statements):
        messages.append(NO_ACTIONS)
    for statement in statements:
        for key in ("Resource", "NotResource"):
            for resource in sorted(_entries(statement, key)):
                error = fmt.resource_error(resource)
                if error and error != fmt.LEGACY:
                    messages.append(error)
    for statement in statements:
        for key in ("Action", "NotAction"):
            messages += filter(None, (_action_error(action) for action in _entries(statement, key)))
    if rules.resources_required and not all(_entries(s, "Resource") or _entries(s, "NotResource")
                                          for s in statements):
        messages.append(NO_RESOURCES)
    if rules.organizations:
        messages += _organizations_checks(statements, rules)
    if policy.get("Version") == "2012-10-17":
        messages += _variable_checks(statements)
    return messages


def _entries(statement: dict, key: str) -> list[str]:
    value = statement.get(key)
    if value is None:
        return []
    return [value] if isinstance(value, str) else [item for item in value if item is not None]


def _principal_checks(statements: list[dict], rules: TypeRules) -> list[str]:
    messages = []
    for statement in statements:
        given = [statement[k] for k in ("Principal", "NotPrincipal") if k in statement]
        if rules.principal == "forbidden" and given:
            messages.append(NO_PRINCIPAL)
        elif rules.principal == "required" and not given:
            messages.append(MISSING_PRINCIPAL)
        for principal in given:
            if isinstance(principal, dict):
                for value in _entries(principal, "AWS"):
                    if not _AWS_PRINCIPAL.fullmatch(value):
                        messages.append(f'Invalid principal in policy: "AWS":"{value}"')
    return messages


def _legacy_failure(statement: dict) -> bool:
    if statement["Effect"] not in ("Allow", "Deny"):
        return True
    for operator, block in statement.get("Condition", {}).items():
        family = FAMILY.get(base_operator(operator) or "")
        check = {"Date": fmt.date_ok, "Numeric": fmt.number_ok, "Ip": fmt.ip_ok}.get(family or "")
        if check is None:
            continue
        for values in block.values():
            if not all(check(v) for v in (values if isinstance(values, list) else [values])):
                return True
    return any(fmt.resource_error(r) == fmt.LEGACY
               for key in ("Resource", "NotResource") for r in _entries(statement, key))


def _action_error(action: str) -> str | None:
    if action == "*":
        return None
    parts = action.split(":")
    if len(parts) == 1:
        return NO_VENDOR
    if len(parts) > 2:
        return ONE_COLON
    if not _VENDOR.fullmatch(parts[0]):
        return f"Vendor {parts[0]} is not valid"
    return None


def _organizations_checks(statements: list[dict], rules: TypeRules) -> list[str]:
    """RCPs: Principal "*" only, no NotPrincipal or NotAction, Allow only in RCPFullAWSAccess's one statement."""
    if rules.principal != "required":
        return []
    for statement in statements:
        if "NotPrincipal" in statement or "NotAction" in statement:
            return [ORGANIZATIONS_MALFORMED]
        if statement.get("Principal") not in (None, "*", {"AWS": "*"}):
            return [ORGANIZATIONS_MALFORMED]
        if statement["Effect"] == "Allow" and not _full_access(statement):
            return [ORGANIZATIONS_MALFORMED]
    return []


def _full_access(statement: dict) -> bool:
    return (set(statement) <= {"Sid", "Effect", "Principal", "Action", "Resource"}
            and _entries(statement, "Action") == ["*"] and _entries(statement, "Resource") == ["*"])


def _variable_checks(statements: list[dict]) -> list[str]:
    """Variables belong in the resource part of Resource/NotResource and in String, ARN and Bool values only."""
    messages = []
    for statement in statements:
        for key in ("Action", "NotAction"):
            messages += [f"Policy variables are not supported in {key}: {action}"
                         for action in _entries(statement, key) if fmt.has_variable(action)]
        for key in ("Resource", "NotResource"):
            messages += [f"Policy variables are supported only in the resource part of an ARN: {resource}"
                         for resource in _entries(statement, key) if fmt.variable_outside_resource_part(resource)]
        for key in ("Principal", "NotPrincipal"):
            principal = statement.get(key)
            if isinstance(principal, dict):
                messages += [f'Invalid principal in policy: "{kind}":"{value}"'
                             for kind in principal for value in _entries(principal, kind) if fmt.has_variable(value)]
        for operator, block in statement.get("Condition", {}).items():
            family = FAMILY.get(base_operator(operator) or "")
            for condition_key, values in block.items():
                if fmt.has_variable(condition_key):
                    messages.append(f"Policy variables are not supported in condition keys: {condition_key}")
                if family and not OPERATORS[family][1]:
                    messages += [f"Policy variables are not supported with {operator}: {value}"
                                 for value in (values if isinstance(values, list) else [values])
                                 if isinstance(value, str) and fmt.has_variable(value)]
    return messages
