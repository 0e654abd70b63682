"""A yes/no check of input against a botocore shape, compiled once per shape: the fast path of validation.

`is_valid(shape, value)` is True only when `validate.find_problems` would find no problem and rewrite nothing, so a
caller may skip find_problems then; when it is False, find_problems says what is wrong (in the service's words) or,
for an enum value a service accepts in another spelling, rewrites it. The checks mirror `validate._check` one for one
(tests/unit/wire/test_valid.py holds them to it); walking the shape's metadata on every request cost more than the
rest of parsing.
"""

from __future__ import annotations

from typing import Callable

from botocore.model import Shape

from runnerlink.wire.validate import _pattern

Check = Callable[[object], bool]


def is_valid(shape: Shape | None, value: object) -> bool:
    return shape is None or _checker(shape)(value)


def _checker(shape: Shape) -> Check:
    """Kept on the shape object, which lives as long as the process (botocore's models are cached: wire.models)."""
    try:
        return shape._runnerlink_valid  # type: ignore[attr-defined]
    except AttributeError:
        found = shape._runnerlink_valid = _compile(shape)  # type: ignore[attr-defined]
        return found


def _bounds(shape: Shape) -> tuple[float, float]:
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    return (-float("inf") if low is None else low), (float("inf") if high is None else high)


def _compile(shape: Shape) -> Check:
    kind = shape.type_name
    low, high = _bounds(shape)
    if kind == "structure":
        required = tuple(shape.required_members)
        members: dict[str, Check] | None = None  # children compiled on first call: recursive shapes compile too

        def structure(value: object) -> bool:
            nonlocal members
            if type(value) is not dict:
                return False
            for name in required:
                if value.get(name) is None:
                    return False
            if members is None:
                members = {name: _checker(member) for name, member in shape.members.items()}
            for name, item in value.items():
                check = members.get(name)
                if check is not None and item is not None and not check(item):
                    return False
            return True

        return structure
    if kind == "list":
        def list_(value: object) -> bool:
            if type(value) is not list or not low <= len(value) <= high:
                return False
            check = _checker(shape.member)
            for item in value:
                if item is None or not check(item):
                    return False
            return True

        return list_
    if kind == "map":
        def map_(value: object) -> bool:
            if type(value) is not dict or not low <= len(value) <= high:
                return False
            check_key, check_value = _checker(shape.key), _checker(shape.value)
            for key, item in value.items():
                if not check_key(key) or item is None or not check_value(item):
                    return False
            return True

        return map_
    if kind == "string":
        enum = frozenset(shape.enum or ())
        pattern = shape.metadata.get("pattern")
        matches = _pattern(pattern).fullmatch if pattern else None

        def string(value: object) -> bool:
            if not isinstance(value, str) or not low <= len(value) <= high:
                return False
            if enum and value not in enum:
                return False
            return matches is None or matches(value) is not None

        return string
    if kind in ("integer", "long"):
        return lambda value: type(value) is not bool and isinstance(value, int) and low <= value <= high
    if kind in ("float", "double"):
        return lambda value: (type(value) is not bool and isinstance(value, (int, float))
                              and not value < low and not value > high)
    if kind == "boolean":
        return lambda value: isinstance(value, bool)
    if kind == "timestamp":
        return lambda value: type(value) is not bool and isinstance(value, (int, float, str))
    if kind == "blob":
        return lambda value: isinstance(value, str)
    return lambda value: True
