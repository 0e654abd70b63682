"""AWS's Describe* filter semantics over records (and over fixed data such as zones and endpoint services)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from runnerlink.services.ec2.errors import InvalidParameterValue

# A filter reads one value, or a list of values, from a record.
FilterField = Callable[[dict], object]


@lru_cache(maxsize=4096)
def _wildcard(pattern: str) -> re.Pattern:
    """A filter value: * matches any run of characters, ? any one; everything else is literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def _as_strings(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [s for item in value for s in _as_strings(item)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(value)]


def _tag_filter(name: str) -> FilterField | None:
    if name.startswith("tag:"):
        key = name[4:]
        return lambda r: [t["Value"] for t in r.get("Tags") or [] if t["Key"] == key]
    if name == "tag-key":
        return lambda r: [t["Key"] for t in r.get("Tags") or []]
    if name == "tag-value":
        return lambda r: [t["Value"] for t in r.get("Tags") or []]
    return None


def apply_filters(records: list[dict], filters: list[dict] | None, fields: dict[str, FilterField]) -> list[dict]:
    """AWS's filter semantics: every filter must match (AND), any of a filter's values may match (OR); values may
    use * and ? wildcards; an unknown filter name is InvalidParameterValue."""
    for spec in filters or []:
        name = spec.get("Name", "")
        field = fields.get(name) or _tag_filter(name)
        if field is None:
            raise InvalidParameterValue(f"The filter '{name}' is invalid")
        patterns = [_wildcard(v) for v in spec.get("Values") or []]
        records = [r for r in records if any(p.fullmatch(s) for s in _as_strings(field(r)) for p in patterns)]
    return records
