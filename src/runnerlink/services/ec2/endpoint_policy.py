"""VPC endpoint policies: the grammar checks EC2 applies when a policy is attached to an endpoint.

`check_endpoint_policy(text)` is a pure function: it returns None for an acceptable policy and raises PolicyError
otherwise. It checks the document's shape only (JSON, the IAM grammar, Principal required, the 20,480-character
limit); evaluating policies belongs to runnerlink.policy, which this may delegate to once it exists.

EC2 reports a rejected endpoint policy as `InvalidPolicyDocument` with "The Policy Document is not valid. …" (seen
from ModifyVpcEndpoint: "Syntax error at position (1,75)", hashicorp/terraform-provider-aws#42291); the wording of
the other reasons is ours.
"""

from __future__ import annotations

import json

MAX_CHARACTERS = 20_480  # including white space (PrivateLink guide, not adjustable)
VERSIONS = ("2008-10-17", "2012-10-17")
_TOP = {"Version", "Id", "Statement"}
_STATEMENT = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
              "Condition"}
_PRINCIPAL_TYPES = {"AWS", "Service", "Federated", "CanonicalUser"}
ERROR_CODE = "InvalidPolicyDocument"
PREFIX = "The Policy Document is not valid. "

# What EC2 attaches when CreateVpcEndpoint has no PolicyDocument, as DescribeVpcEndpoints returns it
# (awscli examples): interface endpoints get Python-2-style pretty JSON without Version, gateway endpoints compact
# JSON with Version 2008-10-17.
DEFAULT_INTERFACE_POLICY = (
    '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n'
    '      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}'
)
DEFAULT_GATEWAY_POLICY = (
    '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'
)


class PolicyError(ValueError):
    """Why a policy document is not acceptable (the full message EC2 returns)."""


def check_endpoint_policy(text: str) -> None:
    """Raise PolicyError unless text is an acceptable VPC endpoint policy."""
    if len(text) > MAX_CHARACTERS:
        raise PolicyError(f"{PREFIX}Policy document is {len(text)} characters long; "
                          f"a VPC endpoint policy can have at most {MAX_CHARACTERS} characters, including white space.")
    document = _parse(text)
    if not isinstance(document, dict):
        raise PolicyError(f"{PREFIX}The policy must be a JSON object.")
    _only(document, _TOP, "policy")
    version = document.get("Version")
    if version is not None and version not in VERSIONS:
        raise PolicyError(f"{PREFIX}Version must be one of {', '.join(VERSIONS)}, not {json.dumps(version)}.")
    if "Id" in document and not isinstance(document["Id"], str):
        raise PolicyError(f"{PREFIX}Id must be a string.")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise PolicyError(f"{PREFIX}The policy must contain a Statement: an object or a non-empty list of objects.")
    sids: set[str] = set()
    for number, statement in enumerate(statements, start=1):
        _check_statement(statement, number, sids)


def _parse(text: str) -> object:
    def no_duplicates(pairs: list[tuple[str, object]]) -> dict:
        keys = [k for k, _ in pairs]
        duplicate = next((k for k in keys if keys.count(k) > 1), None)
        if duplicate is not None:
            raise PolicyError(f"{PREFIX}Duplicate key {json.dumps(duplicate)}.")
        return dict(pairs)

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as err:
        raise PolicyError(f"{PREFIX}Syntax error at position ({err.lineno},{err.colno})") from None


def _only(obj: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise PolicyError(f"{PREFIX}Unknown element {json.dumps(unknown[0])} in {where}.")


def _check_statement(statement: object, number: int, sids: set[str]) -> None:
    where = f"statement {number}"
    if not isinstance(statement, dict):
        raise PolicyError(f"{PREFIX}Each statement must be a JSON object ({where} is not).")
    _only(statement, _STATEMENT, where)
    sid = statement.get("Sid")
    if sid is not None:
        if not isinstance(sid, str):
            raise PolicyError(f"{PREFIX}Sid must be a string in {where}.")
        if sid and sid in sids:
            raise PolicyError(f"{PREFIX}Statement IDs (SID) in a single policy must be unique.")
        sids.add(sid)
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise PolicyError(f"{PREFIX}Effect must be \"Allow\" or \"Deny\" in {where}.")
    _one_of(statement, "Action", "NotAction", where)
    _one_of(statement, "Resource", "NotResource", where)
    if "NotPrincipal" in statement:
        raise PolicyError(f"{PREFIX}NotPrincipal is not supported in VPC endpoint policies ({where}).")
    if "Principal" not in statement:
        raise PolicyError(f"{PREFIX}A VPC endpoint policy statement must contain a Principal element ({where}).")
    _check_principal(statement["Principal"], where)
    if "Condition" in statement:
        _check_condition(statement["Condition"], where)


def _one_of(statement: dict, name: str, negated: str, where: str) -> None:
    present = [n for n in (name, negated) if n in statement]
    if len(present) != 1:
        problem = "both" if present else "neither"
        raise PolicyError(f"{PREFIX}{where.capitalize()} must contain exactly one of {name} and {negated}, "
                          f"not {problem}.")
    if not _strings(statement[present[0]]):
        raise PolicyError(f"{PREFIX}{present[0]} must be a non-empty string or list of strings in {where}.")


def _strings(value: object) -> bool:
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v for v in value)


def _check_principal(principal: object, where: str) -> None:
    if principal == "*":
        return
    if not isinstance(principal, dict) or not principal:
        raise PolicyError(f"{PREFIX}Principal must be \"*\" or an object such as {{\"AWS\": \"*\"}} in {where}.")
    for kind, value in principal.items():
        if kind not in _PRINCIPAL_TYPES:
            raise PolicyError(f"{PREFIX}Unknown principal type {json.dumps(kind)} in {where}.")
        if not _strings(value):
            raise PolicyError(f"{PREFIX}Principal {kind} must be a non-empty string or list of strings in {where}.")


def _check_condition(condition: object, where: str) -> None:
    if not isinstance(condition, dict):
        raise PolicyError(f"{PREFIX}Condition must be an object in {where}.")
    for operator, block in condition.items():
        if not isinstance(block, dict):
            raise PolicyError(f"{PREFIX}Condition operator {operator} must map keys to values in {where}.")
        for key, values in block.items():
            items = values if isinstance(values, list) else [values]
            if not all(isinstance(v, (str, bool, int, float)) for v in items):
                raise PolicyError(f"{PREFIX}Condition key {key} must have a string or a list of strings "
                                  f"in {where}.")
