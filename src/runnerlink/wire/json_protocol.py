"""The awsJson1_0 / awsJson1_1 protocol: POST / with X-Amz-Target, JSON in and out, errors as {"__type", "message"}."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Callable

import orjson
from botocore.model import OperationModel, Shape

from runnerlink.errors import AWSError, Serialization, UnsupportedMediaType
from runnerlink.wire.sealed import Sealed
from runnerlink.wire.valid import is_valid
from runnerlink.wire.validate import format_problems, validation_problems

CONTENT_TYPES = ("application/x-amz-json-1.0", "application/x-amz-json-1.1")
# Bodies already found valid, per operation: validation is a pure function of the body, and clients repeat theirs.
_VALID_BODY_MAX_BYTES = 4096
_VALID_BODIES_PER_OPERATION = 10_000
_Fragment = getattr(orjson, "Fragment", None)  # orjson >= 3.9.15: JSON bytes embedded as they are


def check_content_type(content_type: str) -> None:
    if content_type in CONTENT_TYPES:  # what SDKs send
        return
    base = content_type.split(";", 1)[0].strip().lower()
    if base not in CONTENT_TYPES:
        shown = base or "(none)"
        raise UnsupportedMediaType(
            f"The content type {shown} is not supported; send application/x-amz-json-1.0 with an X-Amz-Target header."
        )


def parse_request(operation: OperationModel, body: bytes, validation_error: type[AWSError]) -> dict:
    """Decode and validate the JSON body against the operation's input shape."""
    if not body.strip():
        params: object = {}
    else:
        try:
            # orjson reads integers beyond 64 bits as floats: "Member must be an integer", never a 500 later on.
            params = orjson.loads(body)
        except orjson.JSONDecodeError as exc:  # also invalid UTF-8, lone surrogates, NaN/Infinity
            raise Serialization(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(params, dict):
        raise Serialization("The request body must be a JSON object.")
    known_valid = _valid_bodies(operation)
    if body not in known_valid:
        if not is_valid(operation.input_shape, params):
            problems = validation_problems(operation.input_shape, params)
            if problems:
                raise validation_error(format_problems(problems))
        if len(body) <= _VALID_BODY_MAX_BYTES:
            if len(known_valid) >= _VALID_BODIES_PER_OPERATION:
                known_valid.clear()
            known_valid.add(body)
    return params


def _valid_bodies(operation: OperationModel) -> set[bytes]:
    """Kept on the operation model, which lives as long as the process (as _serializer does with shapes)."""
    try:
        return operation._runnerlink_valid_bodies  # type: ignore[attr-defined]
    except AttributeError:
        found = operation._runnerlink_valid_bodies = set()  # type: ignore[attr-defined]
        return found


def serialize(shape: Shape | None, value: object) -> object:
    """Keep only what the output shape defines (internal fields never leak); timestamps become epoch seconds. Parts
    of value that already are so (only modelled members, no None, no datetime) may be returned as they are, shared:
    value itself is never changed."""
    if shape is None or value is None:
        return value
    return _serializer(shape)(value)


def _identity(value: object) -> object:
    return value


def _serializer(shape: Shape) -> Callable[[object], object]:
    """The serializer of a shape, built on first use and kept on the shape object itself (botocore's operation models,
    and so their shapes, are cached for the life of the process: wire.models, wire.routing)."""
    try:
        return shape._runnerlink_serializer  # type: ignore[attr-defined]
    except AttributeError:
        found = shape._runnerlink_serializer = _compile(shape)  # type: ignore[attr-defined]
        return found


def _timestamp(value: object) -> object:
    return value.timestamp() if isinstance(value, datetime) else value


def _compile(shape: Shape) -> Callable[[object], object]:
    """The function serialize(shape, value) applies to a non-None value. Children are looked up lazily (on first
    call), so recursive shapes compile too; members that need no conversion are copied as they are."""
    kind = shape.type_name
    if kind == "structure":
        names = frozenset(shape.members)
        stamps: tuple[str, ...] = tuple(name for name, member in shape.members.items()
                                        if member.type_name == "timestamp")
        walked: tuple[tuple[str, Callable[[object], object]], ...] | None = None

        def structure(value):
            if type(value) is Sealed and _Fragment is not None:
                kept = value.serialized  # checked here, not in a call: a listing has many
                if kept is not None and kept[0] is shape:
                    return kept[1]
                return sealed(value)
            return plain(value)

        def sealed(value: Sealed):
            done = plain(value)
            try:
                fragment = _Fragment(orjson.dumps(done))
            except TypeError:  # left to _dumps' fallback, as any value
                return done
            value.serialized = (shape, fragment)
            return fragment

        def plain(value):
            nonlocal walked
            if walked is None:  # the members whose values need a walk of their own: structures, lists, maps
                walked = tuple((name, child) for name, child in
                               ((name, _serializer(member)) for name, member in shape.members.items())
                               if child is not _identity and child is not _timestamp)
            if value.keys() <= names and None not in value.values():
                out = value  # nothing to drop: copied only if a member's value changes below
            else:
                out = {name: item for name, item in value.items() if item is not None and name in names}
            for name in stamps:
                item = out.get(name)
                if isinstance(item, datetime):
                    if out is value:
                        out = dict(value)
                    out[name] = item.timestamp()
            for name, convert in walked:
                item = out.get(name)
                if item is not None:
                    done = convert(item)
                    if done is not item:
                        if out is value:
                            out = dict(value)
                        out[name] = done
            return out

        return structure
    if kind == "list":
        def list_(value):
            convert = _serializer(shape.member)
            if convert is _identity:
                return value
            done = [None if item is None else convert(item) for item in value]
            return value if all(a is b for a, b in zip(done, value)) else done

        return list_
    if kind == "map":
        def map_(value):
            convert = _serializer(shape.value)
            if convert is _identity:
                return value
            return {k: None if v is None else convert(v) for k, v in value.items()}

        return map_
    if kind == "timestamp":
        return _timestamp
    return _identity


def _dumps(value: object) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # what orjson refuses (non-str keys, integers beyond 64 bits) the standard library still writes
        return json.dumps(value).encode()


def render_response(operation: OperationModel, output: dict) -> bytes:
    shape = operation.output_shape
    if shape is None:
        return _dumps({})
    try:
        return orjson.dumps(serialize(shape, output))
    except TypeError:  # the standard library writes it, from a serialization that embeds no fragment
        return json.dumps(serialize(shape, _unsealed(output))).encode()


def _unsealed(value: object) -> object:
    """value with every Sealed dict in it a plain dict again (serialized member by member, as any dict)."""
    if isinstance(value, dict):
        return {key: _unsealed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_unsealed(item) for item in value]
    return value


def render_error(error: AWSError) -> bytes:
    return _dumps({"__type": error.code, "Message": error.message})


RESPONSE_CONTENT_TYPE = "application/x-amz-json-1.0"


class JsonProtocol:
    """The awsJson protocol as the edge sees it; the ec2 and query protocols offer the same four members."""

    name = "json"
    content_type = RESPONSE_CONTENT_TYPE

    @staticmethod
    def parse(operation: OperationModel, body: bytes, headers: dict[str, str],
              validation_error: type[AWSError], query: dict[str, str] | None = None) -> dict:
        check_content_type(headers.get("content-type", ""))
        return parse_request(operation, body, validation_error)

    @staticmethod
    def render_response(operation: OperationModel, output: dict, request_id: str = "") -> bytes:
        return render_response(operation, output)  # the request id travels in a header

    @staticmethod
    def render_error(error: AWSError, request_id: str = "", operation: OperationModel | None = None) -> bytes:
        return render_error(error)
