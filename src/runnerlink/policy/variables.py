"""Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, `${*}` `${?}` `${$}`.

A template is a value split into literal text and variable references. Only Version 2012-10-17
policies get templates with variables; elsewhere `${...}` stays literal text.
"""

import re
from collections.abc import Mapping
from typing import Any

from .wildcards import wildcard_regex

_VAR = re.compile(r"\$\{([^}]*)\}")
_REF = re.compile(r"^\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}

# Part kinds
LITERAL = 0  # text in which `*` and `?` keep their wildcard meaning (for Like operators)
CHAR = 1  # ${*} ${?} ${$}: a character that is never a wildcard
VAR = 2  # (key lower-cased, default or None)


class Template:
    __slots__ = ("parts", "has_vars", "text")

    def __init__(self, parts: tuple, text: str) -> None:
        self.parts = parts
        self.has_vars = any(kind != LITERAL for kind, _ in parts)
        self.text = text

    def resolve(self, ctx: Mapping[str, Any]) -> str | None:
        """The value with variables substituted; None when a variable has no value."""
        out = []
        for kind, value in self.parts:
            if kind == VAR:
                got = lookup(ctx, value)
                if got is None:
                    return None
                out.append(got)
            else:
                out.append(value)
        return "".join(out)

    def resolve_regex(self, ctx: Mapping[str, Any], star: str = ".*", qmark: str = ".") -> str | None:
        """Regex source for Like matching: literal parts keep wildcards, substituted values don't."""
        out = []
        for kind, value in self.parts:
            if kind == LITERAL:
                out.append(wildcard_regex(value, star, qmark))
            elif kind == CHAR:
                out.append(re.escape(value))
            else:
                got = lookup(ctx, value)
                if got is None:
                    return None
                out.append(re.escape(got))
        return "".join(out)


def lookup(ctx: Mapping[str, Any], ref: tuple[str, str | None]) -> str | None:
    key, default = ref
    got = ctx.get(key)
    if got is None:
        return default
    if isinstance(got, tuple):  # multi-valued keys can't be variables
        return None
    if isinstance(got, bytes):
        return None
    return got


def parse_template(value: str, variables: bool) -> Template:
    if not variables or "${" not in value:
        return Template(((LITERAL, value),), value)
    parts: list[tuple[int, Any]] = []
    pos = 0
    for m in _VAR.finditer(value):
        inner = m.group(1)
        if inner in _SPECIAL:
            part = (CHAR, _SPECIAL[inner])
        else:
            ref = _REF.match(inner)
            if not ref:
                continue  # not a variable reference: stays literal text
            part = (VAR, (ref.group(1).lower(), ref.group(2)))
        if m.start() > pos:
            parts.append((LITERAL, value[pos : m.start()]))
        parts.append(part)
        pos = m.end()
    if pos < len(value):
        parts.append((LITERAL, value[pos:]))
    return Template(tuple(parts), value)
