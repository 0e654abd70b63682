"""compile_policy: a policy document parsed once into matchers."""

import json
import re
from dataclasses import dataclass
from typing import Any

from .actions import ActionMatcher
from .arns import ArnPattern, resource_pattern
from .conditions import SYNTAX, compile_condition
from .errors import PolicyError
from .principals import PrincipalMatcher
from .validate import validate

POLICY_TYPES = frozenset({"identity", "resource", "trust", "endpoint", "boundary", "session", "scp", "rcp"})
_CACHE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    policy_type: str
    policy: str | None
    sid: str | None
    index: int
    effect: str


class CompiledStatement:
    __slots__ = ("info", "allow", "actions", "not_action", "resources", "not_resource", "any_resource",
                 "principal", "not_principal", "condition")

    def __init__(self, info: MatchedStatement, actions: ActionMatcher, not_action: bool,
                 resources: tuple[ArnPattern, ...], not_resource: bool, principal: PrincipalMatcher | None,
                 not_principal: bool, condition: Any) -> None:
        self.info = info
        self.allow = info.effect == "Allow"
        self.actions = actions
        self.not_action = not_action
        self.resources = resources
        self.not_resource = not_resource
        self.any_resource = not not_resource and any(r.any for r in resources)
        self.principal = principal
        self.not_principal = not_principal
        self.condition = condition

    def action_matches(self, action_lc: str) -> bool:
        return self.actions.matches(action_lc) != self.not_action

    def resource_matches(self, resource: str, ctx: dict) -> bool:
        if self.any_resource:
            return True
        hit = False
        for r in self.resources:
            if r.matches(resource, ctx):
                hit = True
                break
        return hit != self.not_resource


class CompiledPolicy:
    """An immutable, pre-compiled policy. `statements` keeps document order."""

    __slots__ = ("policy_type", "name", "version", "statements", "context_keys", "_by_action")

    def __init__(self, policy_type: str, name: str | None, version: str | None,
                 statements: tuple[CompiledStatement, ...], context_keys: frozenset[str] = frozenset()) -> None:
        self.policy_type = policy_type
        self.name = name
        self.version = version
        self.statements = statements
        # Every condition key the policy reads (its conditions' keys and its policy variables), lower-cased: a
        # decision depends on the request's context only through these, so callers may memoize on their values.
        self.context_keys = context_keys
        self._by_action: dict[str, tuple[CompiledStatement, ...]] = {}

    def for_action(self, action_lc: str) -> tuple[CompiledStatement, ...]:
        """The statements whose Action/NotAction covers the action (memoized per action)."""
        got = self._by_action.get(action_lc)
        if got is None:
            got = tuple(s for s in self.statements if s.action_matches(action_lc))
            if len(self._by_action) >= _CACHE_LIMIT:
                self._by_action.clear()
            self._by_action[action_lc] = got
        return got

    def __repr__(self) -> str:
        return f"CompiledPolicy({self.policy_type!r}, name={self.name!r}, statements={len(self.statements)})"


def _run_validator(document: Any, policy_type: str) -> None:
    messages = validate(document, policy_type)
    if messages:
        raise PolicyError(messages[0], list(messages))


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(i, str) for i in items):
        raise PolicyError(SYNTAX)
    return items


def _statement(raw: Any, index: int, policy_type: str, name: str | None, variables: bool) -> CompiledStatement:
    if not isinstance(raw, dict):
        raise PolicyError(SYNTAX)
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(SYNTAX if not isinstance(effect, str) or effect.lower() not in ("allow", "deny")
                          else "The policy failed legacy parsing")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(SYNTAX)

    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError("Policy statement must contain actions." if "Action" not in raw else SYNTAX)
    not_action = "NotAction" in raw
    actions = ActionMatcher(_strings(raw["NotAction" if not_action else "Action"]))

    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError(SYNTAX)
    not_resource = "NotResource" in raw
    if "Resource" in raw or not_resource:
        entries = _strings(raw["NotResource" if not_resource else "Resource"])
    elif policy_type == "trust":
        entries = ["*"]  # trust policies carry no Resource: the resource is the policy's owner, the role
    else:
        raise PolicyError("Policy statement must contain resources.")
    resources = tuple(resource_pattern(e, variables) for e in entries)

    if "Principal" in raw and "NotPrincipal" in raw:
        raise PolicyError(SYNTAX)
    not_principal = "NotPrincipal" in raw
    element = raw.get("NotPrincipal" if not_principal else "Principal")
    principal = PrincipalMatcher(element) if element is not None else None

    condition = compile_condition(raw.get("Condition"), variables)
    info = MatchedStatement(policy_type, name, sid, index, effect)
    return CompiledStatement(info, actions, not_action, resources, not_resource, principal, not_principal, condition)


def compile_policy(document: dict | str, policy_type: str, name: str | None = None) -> CompiledPolicy:
    """Parse and compile one policy. Raises PolicyError on a document it cannot understand."""
    if policy_type not in POLICY_TYPES:
        raise ValueError(f"unknown policy type {policy_type!r}; one of {sorted(POLICY_TYPES)}")
    _run_validator(document, policy_type)
    if isinstance(document, (str, bytes)):
        try:
            document = json.loads(document)
        except ValueError:
            raise PolicyError(SYNTAX) from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise PolicyError(SYNTAX)
    version = document.get("Version")
    if version is not None and not isinstance(version, str):
        raise PolicyError(SYNTAX)
    variables = version == "2012-10-17"  # older or missing Version: `${...}` is literal text
    raw = document["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise PolicyError(SYNTAX)
    statements = tuple(_statement(s, i, policy_type, name, variables) for i, s in enumerate(items))
    return CompiledPolicy(policy_type, name, version, statements, _context_keys(items))


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _context_keys(statements: list) -> frozenset[str]:
    keys: set[str] = set()
    for statement in statements:
        condition = statement.get("Condition") if isinstance(statement, dict) else None
        if isinstance(condition, dict):
            for block in condition.values():
                if isinstance(block, dict):
                    keys.update(str(key).lower() for key in block)
        for variable in _VARIABLE.findall(json.dumps(statement)):
            keys.add(variable.split(",", 1)[0].strip().lower())
    return frozenset(keys)
