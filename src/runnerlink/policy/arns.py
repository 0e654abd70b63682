"""ARN patterns, for Resource/NotResource and the Arn* condition operators.

An ARN has six colon-separated segments; the sixth (the resource part) may itself hold colons.
A wildcard in the first five segments stays inside its segment; in the resource part it matches
anything. A pattern that stops short of six segments but ends with `*` lets that `*` run across
the remaining colons (`arn:aws:apprunner:*`). For Resource the first five segments compare
case-insensitively (as iam-simulate does) and the resource part case-sensitively; Arn* conditions
are case-sensitive throughout.
"""

import re
from collections.abc import Mapping
from typing import Any

from .variables import LITERAL, VAR, Template, lookup, parse_template

_SEGMENT_STAR = "[^:]*"
_RESOLVED_LIMIT = 256
_SEGMENT_Q = "[^:]"


def _short_with_trailing_star(text: str) -> bool:
    return text.count(":") < 5 and text.endswith("*")


def arn_regex(tpl: Template, ctx: Mapping[str, Any] | None, fold_prefix: bool) -> str | None:
    """Regex source for an ARN pattern; None when one of its variables has no value."""
    colons = 0
    trailing = _short_with_trailing_star(tpl.text) and tpl.parts[-1][0] == LITERAL
    out: list[str] = []
    last = len(tpl.parts) - 1
    for i, (kind, value) in enumerate(tpl.parts):
        if kind == VAR:
            got = lookup(ctx, value) if ctx is not None else None
            if got is None:
                return None
            text, wild = got, False
        else:
            text, wild = value, kind == LITERAL
        for j, ch in enumerate(text):
            if ch == ":" and colons < 5:
                colons += 1
                if colons == 5 and fold_prefix:
                    out.append(":)")
                    continue
            if wild and ch == "*":
                crossing = colons >= 5 or (trailing and i == last and j == len(text) - 1)
                out.append(".*" if crossing else _SEGMENT_STAR)
            elif wild and ch == "?":
                out.append("." if colons >= 5 else _SEGMENT_Q)
            else:
                out.append(re.escape(ch))
    if fold_prefix:
        if colons < 5:
            out.append(")")
        return "(?i:" + "".join(out)
    return "".join(out)


class ArnPattern:
    """One ARN pattern, pre-compiled unless it holds variables; then compiled per distinct set of variable values
    (a few callers, many requests), up to _RESOLVED_LIMIT of them."""

    __slots__ = ("tpl", "fold", "regex", "any", "_vars", "_resolved")

    def __init__(self, tpl: Template, fold_prefix: bool) -> None:
        self.tpl = tpl
        self.fold = fold_prefix
        self.any = tpl.text == "*" and not tpl.has_vars
        self.regex = None if tpl.has_vars else re.compile(arn_regex(tpl, None, fold_prefix), re.DOTALL)
        self._vars = tuple(value for kind, value in tpl.parts if kind == VAR)
        self._resolved: dict[tuple, re.Pattern[str]] = {}

    def matches(self, value: str, ctx: Mapping[str, Any]) -> bool:
        if self.any:
            return True
        regex = self.regex
        if regex is None:
            values = tuple(lookup(ctx, ref) for ref in self._vars)
            regex = self._resolved.get(values)
            if regex is None:
                if None in values:  # a variable without a value matches nothing
                    return False
                regex = re.compile(arn_regex(self.tpl, ctx, self.fold), re.DOTALL)
                if len(self._resolved) >= _RESOLVED_LIMIT:
                    self._resolved.clear()
                self._resolved[values] = regex
        return regex.fullmatch(value) is not None


def resource_pattern(value: str, variables: bool) -> ArnPattern:
    """A Resource/NotResource entry: variables count only in the resource part (after the 5th colon)."""
    if variables and "${" in value:
        head, sep, rest = _split_resource_part(value)
        if sep:
            tail = parse_template(rest, True)
            parts = ((LITERAL, head),) + tail.parts if head else tail.parts
            return ArnPattern(Template(parts, value), True)
    return ArnPattern(parse_template(value, False), True)


def _split_resource_part(value: str) -> tuple[str, bool, str]:
    pieces = value.split(":", 5)
    if len(pieces) < 6:
        return value, False, ""
    head = ":".join(pieces[:5]) + ":"
    return head, True, pieces[5]


def condition_arn_pattern(value: str, variables: bool) -> ArnPattern:
    return ArnPattern(parse_template(value, variables), False)

