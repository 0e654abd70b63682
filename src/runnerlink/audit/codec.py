"""AuditModel ↔ plain JSON-able dicts (the runnerlink source's wire format, and `runnerlink audit --dump-model`).
Generic over the frozen dataclasses of audit/model.py and network/model.py: tuples become lists and back."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from runnerlink.audit.model import AuditModel

FORMAT = 1  # bumped when a field changes meaning


def to_dict(model: AuditModel) -> dict:
    return {"format": FORMAT, **_encode(model)}


def from_dict(data: dict) -> AuditModel:
    if data.get("format") != FORMAT:
        raise ValueError(f"audit model format {data.get('format')!r} is not {FORMAT}")
    return _decode(AuditModel, {k: v for k, v in data.items() if k != "format"})


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


def _decode(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return _decode(options[0], value) if len(options) == 1 else value
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        names = {f.name for f in dataclasses.fields(kind)}
        return kind(**{k: _decode(hints[k], v) for k, v in value.items() if k in names})
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_decode(item, v) for v in value)
    if origin is dict:
        item = typing.get_args(kind)[1]
        return {k: _decode(item, v) for k, v in value.items()}
    return value
