"""Input validation against a botocore shape: required members, types, lengths, ranges, patterns (full match), enums.

botocore checks only required/types/min on the client; AWS checks the rest on the server, so we do too. Each broken
constraint is a `Problem`; how a service words them is its `InputStyle`. The default, `CoralStyle`, is the format the
Coral services (App Runner, STS) use: "1 validation error detected: Value 'x' at 'serviceName' failed to satisfy
constraint: Member must have length less than or equal to 40". EC2 has a style of its own (services/ec2/input_style).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Protocol

from botocore.model import Shape

from runnerlink.errors import AWSError

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


@dataclass(frozen=True)
class Problem:
    """One broken constraint of the input."""

    kind: str  # "required", "type", "enum", "length", "range", "pattern"
    path: str  # Coral's member path ("instanceConfiguration.cpu", "tags.1.member.key")
    value: object  # as given (HIDDEN for a sensitive one, None for a missing one)
    constraint: str  # Coral's wording of the constraint ("Member must not be null")
    shape: Shape | None = None  # the member's shape, with its serialization (its wire name)
    low: float | None = None  # the bounds a "length" or "range" problem broke
    high: float | None = None
    wire: str = ""  # the request key as sent, where the parser knows it ("Filter.1.Name")

    @property
    def text(self) -> str:
        """Coral's line for it (without the "N validation errors detected: " head)."""
        return f"{_show(self.value)}at '{self.path}' failed to satisfy constraint: {self.constraint}"


class UnparsableValue(Exception):
    """A scalar of the wire format that is not of its member's type ("many" for an integer): raised by a parser."""

    def __init__(self, problem: Problem, message: str):
        super().__init__(message)
        self.problem = problem
        self.message = message


class InputStyle(Protocol):
    """How a service answers bad input."""

    def invalid(self, problems: list[Problem]) -> AWSError: ...

    def unparsable(self, error: UnparsableValue) -> AWSError: ...

    def canonical(self, shape: Shape, value: str) -> str | None:
        """The enum value a service accepts value as (its canonical spelling), or None: none."""
        ...


class CoralStyle:
    """Every problem, in one message of the service's validation error class; enums exactly as modelled."""

    def __init__(self, error: type[AWSError]):
        self.error = error

    def invalid(self, problems: list[Problem]) -> AWSError:
        return self.error(format_problems([p.text for p in problems]))

    def unparsable(self, error: UnparsableValue) -> AWSError:
        return self.error(error.message)

    def canonical(self, shape: Shape, value: str) -> str | None:
        return None


def as_style(style: InputStyle | type[AWSError]) -> InputStyle:
    """A style, from a style or (Coral's) a validation error class."""
    return CoralStyle(style) if isinstance(style, type) else style


class _Collector:
    def __init__(self, canonical: Callable[[Shape, str], str | None] | None = None) -> None:
        self.problems: list[Problem] = []
        self.canonical = canonical

    def add(self, value: object, path: str, constraint: str, kind: str = "type", shape: Shape | None = None,
            low: float | None = None, high: float | None = None) -> None:
        self.problems.append(Problem(kind, path, value, constraint, shape, low, high))


def find_problems(shape: Shape | None, value: object, style: InputStyle | None = None) -> list[Problem]:
    """Every constraint the input breaks. Where the style accepts an enum value in another spelling, the input is
    rewritten to the canonical one (so handlers see only modelled values)."""
    collector = _Collector(style.canonical if style is not None else None)
    if shape is not None:
        _check(shape, value, "", collector)
    return collector.problems


def validation_problems(shape: Shape | None, value: object) -> list[str]:
    """Every constraint the input breaks, in Coral wording (without the "N validation errors" prefix)."""
    return [p.text for p in find_problems(shape, value)]


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
                out.add(None, _member_path(path, name), "Member must not be null", "required", shape.members[name])
        members = shape.members
        for name, member_value in value.items():
            member = members.get(name)
            if member is not None and member_value is not None:
                canonical = _canonical(member, member_value, out)
                if canonical is not member_value:
                    value[name] = member_value = canonical  # an existing key: the iteration is unaffected
                _check(member, member_value, _member_path(path, name), out)
        return
    if kind == "list":
        if not isinstance(value, list):
            out.add(value, path, "Member must be a list", shape=shape)
            return
        _check_size(HIDDEN, len(value), shape, path, out, "length")
        for index, item in enumerate(value):
            if item is None:
                out.add(None, f"{path}.{index + 1}.member", "Member must not be null", "required", shape.member)
            else:
                canonical = _canonical(shape.member, item, out)
                if canonical is not item:
                    value[index] = item = canonical
                _check(shape.member, item, f"{path}.{index + 1}.member", out)
        return
    if kind == "map":
        if not isinstance(value, dict):
            out.add(value, path, "Member must be a map", shape=shape)
            return
        _check_size(HIDDEN, len(value), shape, path, out, "length")
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.key", out)
            if item is None:
                out.add(None, f"{path}.{key}.value", "Member must not be null", "required", shape.value)
            else:
                _check(shape.value, item, f"{path}.{key}.value", out)
        return
    if kind == "string":
        if not isinstance(value, str):
            out.add(value, path, "Member must be a string", shape=shape)
            return
        value_shown = HIDDEN if meta.get("sensitive") else value
        _check_size(value_shown, len(value), shape, path, out, "length")
        enum = shape.enum
        if enum and value not in enum:
            out.add(value_shown, path, f"Member must satisfy enum value set: [{', '.join(enum)}]", "enum", shape)
        pattern = meta.get("pattern")
        if pattern and not _pattern(pattern).fullmatch(value):
            out.add(value_shown, path, f"Member must satisfy regular expression pattern: {pattern}", "pattern", shape)
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            out.add(value, path, "Member must be an integer", shape=shape)
            return
        _check_size(value, value, shape, path, out, "value")
        return
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.add(value, path, "Member must be a number", shape=shape)
            return
        _check_size(value, value, shape, path, out, "value")
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            out.add(value, path, "Member must be a boolean", shape=shape)
        return
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            out.add(value, path, "Member must be a timestamp", shape=shape)
        return
    if kind == "blob":
        if not isinstance(value, str):
            out.add(value, path, "Member must be base64-encoded binary data", shape=shape)


def _check_size(value: object, size: float, shape: Shape, path: str, out: _Collector, what: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    kind = "range" if what == "value" else "length"
    if low is not None and size < low:
        out.add(value, path, f"Member must have {what} greater than or equal to {low}", kind, shape, low, high)
    if high is not None and size > high:
        out.add(value, path, f"Member must have {what} less than or equal to {high}", kind, shape, low, high)


def _canonical(shape: Shape, value: object, out: _Collector) -> object:
    if out.canonical is None or shape.type_name != "string" or not shape.enum or not isinstance(value, str) \
            or value in shape.enum:
        return value
    found = out.canonical(shape, value)
    return value if found is None else found
