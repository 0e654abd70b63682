"""Input validation against a botocore shape: required members, types, lengths, ranges, patterns (full match), enums.

botocore checks only required/types/min on the client; AWS checks the rest on the server, so we do too. Messages follow
the Coral format AWS services use: "1 validation error detected: Value 'x' at 'serviceName' failed to satisfy
constraint: Member must have length less than or equal to 40".
"""

from __future__ import annotations

import re
from functools import lru_cache

from botocore.model import Shape

_MAX_REPORTED = 10


def _member_path(parent: str, name: str) -> str:
    name = name[:1].lower() + name[1:]
    return f"{parent}.{name}" if parent else name


# Java's Unicode classes, which some models use inside character classes, as Python's re can say them:
# letters and numbers are within \w (whose extra "_" those classes list anyway); \p{Z} is the separator characters.
_UNICODE_CLASSES = {
    r"\p{L}": r"\w",
    r"\p{N}": r"\w",
    r"\p{Z}": "\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000",
}


@lru_cache(maxsize=None)
def _pattern(pattern: str) -> re.Pattern:
    for java, python in _UNICODE_CLASSES.items():
        pattern = pattern.replace(java, python)
    return re.compile(pattern, re.DOTALL)


HIDDEN = object()  # a sensitive value: named but never echoed


def _show(value: object) -> str:
    if value is None:
        return "Value null "
    if value is HIDDEN or isinstance(value, (dict, list)):
        return "Value "
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"Value '{text}' " if len(text) <= 200 else "Value "


class _Collector:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, value: object, path: str, constraint: str) -> None:
        self.problems.append(f"{_show(value)}at '{path}' failed to satisfy constraint: {constraint}")


def validation_problems(shape: Shape | None, value: object) -> list[str]:
    """Every constraint the input breaks, in Coral wording (without the "N validation errors" prefix)."""
    collector = _Collector()
    if shape is not None:
        _check(shape, value, "", collector)
    return collector.problems


def format_problems(problems: list[str]) -> str:
    count = len(problems)
    head = f"{count} validation error{'s' if count > 1 else ''} detected: "
    return head + "; ".join(problems[:_MAX_REPORTED])


def _check(shape: Shape, value: object, path: str, out: _Collector) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            out.add(value, path or "input", "Member must be a structure")
            return
        for name in shape.required_members:
            if value.get(name) is None:
                out.add(None, _member_path(path, name), "Member must not be null")
        members = shape.members
        for name, member_value in value.items():
            member = members.get(name)
            if member is not None and member_value is not None:
                _check(member, member_value, _member_path(path, name), out)
        return
    if kind == "list":
        if not isinstance(value, list):
            out.add(value, path, "Member must be a list")
            return
        _check_size(value, len(value), meta, path, out, "length")
        for index, item in enumerate(value):
            if item is None:
                out.add(None, f"{path}.{index + 1}.member", "Member must not be null")
            else:
                _check(shape.member, item, f"{path}.{index + 1}.member", out)
        return
    if kind == "map":
        if not isinstance(value, dict):
            out.add(value, path, "Member must be a map")
            return
        _check_size(value, len(value), meta, path, out, "length")
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.key", out)
            if item is None:
                out.add(None, f"{path}.{key}.value", "Member must not be null")
            else:
                _check(shape.value, item, f"{path}.{key}.value", out)
        return
    if kind == "string":
        if not isinstance(value, str):
            out.add(value, path, "Member must be a string")
            return
        value_shown = HIDDEN if meta.get("sensitive") else value
        _check_size(value_shown, len(value), meta, path, out, "length")
        enum = shape.enum
        if enum and value not in enum:
            out.add(value_shown, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = meta.get("pattern")
        if pattern and not _pattern(pattern).fullmatch(value):
            out.add(value_shown, path, f"Member must satisfy regular expression pattern: {pattern}")
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            out.add(value, path, "Member must be an integer")
            return
        _check_size(value, value, meta, path, out, "value")
        return
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.add(value, path, "Member must be a number")
            return
        _check_size(value, value, meta, path, out, "value")
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            out.add(value, path, "Member must be a boolean")
        return
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            out.add(value, path, "Member must be a timestamp")
        return
    if kind == "blob":
        if not isinstance(value, str):
            out.add(value, path, "Member must be base64-encoded binary data")


def _check_size(value: object, size: float, meta: dict, path: str, out: _Collector, what: str) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and size < low:
        out.add(value, path, f"Member must have {what} greater than or equal to {low}")
    if high is not None and size > high:
        out.add(value, path, f"Member must have {what} less than or equal to {high}")
