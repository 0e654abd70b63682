"""The query protocols: `query` (IAM, STS) and its `ec2` variant. Form-encoded `Action=…&Version=…` in, XML out.

Both are driven by the botocore model, as botocore's own serializers and parsers are, read in reverse:
- names: ec2 uses a member's `queryName`, else its `locationName` with the first letter upper-cased; query uses the
  `locationName`, else the member name.
- lists: ec2 `Name.N`; query `Name.member.N` (`Name.N` when flattened); maps `Name.entry.N.key` / `.value`.
- responses: ec2 `<OpResponse xmlns><requestId/>…</OpResponse>` with `<xxxSet><item/></xxxSet>` lists; query
  `<OpResponse xmlns><OpResult>…</OpResult><ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>` with
  `<member/>` items.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.model import OperationModel, Shape

from runnerlink.errors import AWSError, Serialization, UnsupportedMediaType
from runnerlink.wire.sealed import Sealed
from runnerlink.wire.valid import is_valid
from runnerlink.wire.validate import InputStyle, Problem, UnparsableValue, as_style, find_problems

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
ENVELOPE_PARAMETERS = ("Action", "Version")


_last_form: tuple = (None, None, None, {})  # (body, query, content type, parameters): the edge reads a form twice


def read_form(body: bytes, query: dict[str, str], content_type: str) -> dict[str, str]:
    """The request's parameters: a form-encoded body, or the query string of a GET."""
    global _last_form
    last_body, last_query, last_type, last_params = _last_form
    if body is last_body and content_type == last_type and query == last_query:
        return dict(last_params)
    params = _read_form(body, query, content_type)
    _last_form = (body, dict(query), content_type, params)
    return dict(params)


def _read_form(body: bytes, query: dict[str, str], content_type: str) -> dict[str, str]:
    params = dict(query)
    if body.strip():
        base = content_type.split(";", 1)[0].strip().lower()
        if base and base != FORM_CONTENT_TYPE:
            raise UnsupportedMediaType(f"The content type {base} is not supported; send {FORM_CONTENT_TYPE}.")
        try:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError) as exc:
            raise Serialization(f"The request body is not a valid form: {exc}") from None
    return params


class _Form:
    """The flat parameters, with a record of which were understood."""

    def __init__(self, params: dict[str, str]):
        self.params = params
        self.used: set[str] = set(ENVELOPE_PARAMETERS)
        self._tree: dict[str, set[str]] | None = None

    def take(self, key: str) -> str | None:
        value = self.params.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def _children(self) -> dict[str, set[str]]:
        """Every dotted prefix of a key ("Filter", "Filter.1" of "Filter.1.Name") → the segments that follow it."""
        tree = self._tree
        if tree is None:
            tree = self._tree = {}
            for key in self.params:
                parts = key.split(".")
                for end in range(1, len(parts)):
                    tree.setdefault(".".join(parts[:end]), set()).add(parts[end])
        return tree

    def indices(self, prefix: str) -> list[int]:
        """The N of every `prefix.N` or `prefix.N.…` key, in order."""
        return sorted({int(head) for head in self._children().get(prefix, ()) if head.isdigit()})

    def has_under(self, prefix: str) -> bool:
        return prefix in self.params or prefix in self._children()


class QueryProtocol:
    """One flavour of the query protocol ("query" or "ec2")."""

    def __init__(self, flavour: str):
        self.name = flavour
        self.ec2 = flavour == "ec2"
        self.content_type = "text/xml;charset=UTF-8"

    # --- requests ------------------------------------------------------------------------------------------------
    def parse(self, operation: OperationModel, body: bytes, headers: dict[str, str],
              validation_error: InputStyle | type[AWSError], query: dict[str, str] | None = None) -> dict:
        """The operation's input; bad input is answered in the service's style (a validation error class: Coral's)."""
        style = as_style(validation_error)
        form = _Form(read_form(body, query or {}, headers.get("content-type", "")))
        shape = operation.input_shape
        try:
            params = self._structure(shape, "", form) if shape is not None else {}
        except UnparsableValue as exc:
            raise style.unparsable(exc) from None
        unknown = sorted(set(form.params) - form.used)
        if unknown and self.ec2:
            raise AWSError(f"The parameter {unknown[0]} is not recognized", code="UnknownParameter", status=400)
        params = params or {}
        if not is_valid(shape, params):
            problems = find_problems(shape, params, style)
            if problems:
                raise style.invalid(problems)
        return params

    def wire_name(self, shape: Shape, default: str) -> str:
        serialization = shape.serialization
        if self.ec2:
            if "queryName" in serialization:
                return serialization["queryName"]
            if "name" in serialization:
                name = serialization["name"]
                return name[:1].upper() + name[1:]
            return default
        return serialization.get("name", default)

    def _wire_members(self, shape: Shape) -> tuple[tuple[str, Shape, str], ...]:
        """(name, shape, wire name) of a structure's members, worked out once per shape and flavour."""
        attribute = "_runnerlink_wire_ec2" if self.ec2 else "_runnerlink_wire_query"
        found = getattr(shape, attribute, None)
        if found is None:
            found = tuple((name, member, self.wire_name(member, name)) for name, member in shape.members.items())
            setattr(shape, attribute, found)
        return found

    def _value(self, shape: Shape, key: str, form: _Form):
        kind = shape.type_name
        if kind == "structure":
            return self._structure(shape, key, form) if form.has_under(key) else None
        if kind == "list":
            return self._list(shape, key, form)
        if kind == "map":
            return self._map(shape, key, form)
        raw = form.take(key)
        return None if raw is None else _scalar(shape, key, raw)

    def _structure(self, shape: Shape, prefix: str, form: _Form) -> dict:
        out = {}
        for name, member, wire in self._wire_members(shape):
            value = self._value(member, f"{prefix}.{wire}" if prefix else wire, form)
            if value is not None:
                out[name] = value
        return out

    def _list(self, shape: Shape, key: str, form: _Form) -> list | None:
        if form.params.get(key) == "":  # an explicitly empty list
            form.take(key)
            return []
        if not self.ec2 and not shape.serialization.get("flattened"):
            key = f"{key}.member"
        indices = form.indices(key)
        if not indices:
            return None
        items = [self._value(shape.member, f"{key}.{index}", form) for index in indices]
        return [item for item in items if item is not None]

    def _map(self, shape: Shape, key: str, form: _Form) -> dict | None:
        if not shape.serialization.get("flattened"):
            key = f"{key}.entry"
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        indices = form.indices(key)
        if not indices:
            return None
        out = {}
        for index in indices:
            entry_key = self._value(shape.key, f"{key}.{index}.{key_name}", form)
            if entry_key is not None:
                out[entry_key] = self._value(shape.value, f"{key}.{index}.{value_name}", form)
        return out

    # --- responses -----------------------------------------------------------------------------------------------
    def render_response(self, operation: OperationModel, output: dict, request_id: str = "") -> bytes:
        name = operation.name
        namespace = _namespace(operation)
        shape = operation.output_shape
        parts: list[str] = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{name}Response xmlns="{namespace}">']
        if self.ec2:
            parts.append(f"<requestId>{request_id}</requestId>")
            if shape is not None:
                self._members(shape, output, parts)
        else:
            wrapper = shape.serialization.get("resultWrapper", f"{name}Result") if shape is not None else None
            if wrapper:
                parts.append(f"<{wrapper}>")
                self._members(shape, output, parts)
                parts.append(f"</{wrapper}>")
            parts.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>")
        parts.append(f"</{name}Response>")
        return "".join(parts).encode()

    def render_error(self, error: AWSError, request_id: str = "", operation: OperationModel | None = None) -> bytes:
        code, message = escape(error.code), escape(error.message)
        if self.ec2:
            return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
                    f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID>"
                    "</Response>").encode()
        kind = "Receiver" if error.status >= 500 else "Sender"
        namespace = _namespace(operation) if operation is not None else ""
        xmlns = f' xmlns="{namespace}"' if namespace else ""
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse{xmlns}><Error><Type>{kind}</Type>'
                f"<Code>{code}</Code><Message>{message}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode()

    def _members(self, shape: Shape, value: dict, parts: list[str]) -> None:
        _writer(shape, self.ec2).members(value, parts)


Write = Callable[[object, list], None]


class _Writer:
    """The XML of one shape, its tags and children worked out once (kept on the shape: see _writer). `element`
    appends a value as <tag>…</tag> (or, for a flattened list, each item so), `members` a structure's members."""

    __slots__ = ("shape", "ec2", "_members", "element")

    def __init__(self, shape: Shape, ec2: bool):
        self.shape, self.ec2 = shape, ec2
        self._members: tuple[tuple[str, Write], ...] | None = None  # built on first use: recursive shapes

    def members(self, value: dict, parts: list) -> None:
        members = self._members
        if members is None:
            members = self._members = tuple(self._member(name, member) for name, member in self.shape.members.items())
        for name, scalar, open_tag, close_tag, write in members:
            item = value.get(name)
            if item is None:
                continue
            if scalar is None:
                write(item, parts)
                continue
            # A scalar, written here rather than through a call: most of an answer's elements are.
            text = item if type(item) is str else _text(scalar, item)
            if "&" in text or "<" in text or ">" in text:
                text = escape(text)
            parts.append(f"{open_tag}{text}{close_tag}")

    def _member(self, name: str, member: Shape) -> tuple:
        """(name, scalar kind or None, open tag, close tag, writer) of one member."""
        tag = member.serialization.get("name", name)
        kind = member.type_name
        scalar = None if kind in ("list", "structure", "map") else kind
        return name, scalar, f"<{tag}>", f"</{tag}>", _element_writer(member, tag, self.ec2)


def _writer(shape: Shape, ec2: bool) -> _Writer:
    attribute = "_runnerlink_ec2_xml" if ec2 else "_runnerlink_query_xml"
    found = getattr(shape, attribute, None)
    if found is None:
        found = _Writer(shape, ec2)
        setattr(shape, attribute, found)
    return found


def _element_writer(shape: Shape, tag: str, ec2: bool) -> Write:
    """A function appending value as the element `tag` of this shape."""
    kind = shape.type_name
    open_tag, close_tag = f"<{tag}>", f"</{tag}>"
    if kind == "list":
        item_tag = shape.member.serialization.get("name", "item" if ec2 else "member")
        item_writer: list[Write] = []  # the member's writer, made on first use (recursive shapes)

        def write_items(value, parts) -> None:
            if not item_writer:
                item_writer.append(_element_writer(shape.member, item_tag, ec2))
            write = item_writer[0]
            for item in value:
                write(item, parts)

        if shape.serialization.get("flattened"):
            return write_items

        def write_list(value, parts) -> None:
            parts.append(open_tag)
            write_items(value, parts)
            parts.append(close_tag)

        return write_list
    if kind == "structure":
        writer = _writer(shape, ec2)

        def write_structure(value, parts) -> None:
            if type(value) is Sealed:  # written once as this element, then its text kept with it (wire.sealed)
                kept = value.serialized
                if kept is None or kept[0] is not write_structure:
                    own: list[str] = [open_tag]
                    writer.members(value, own)
                    own.append(close_tag)
                    kept = value.serialized = (write_structure, "".join(own))
                parts.append(kept[1])
                return
            parts.append(open_tag)
            writer.members(value, parts)
            parts.append(close_tag)

        return write_structure
    if kind == "map":
        key_tag = shape.key.serialization.get("name", "key")
        value_tag = shape.value.serialization.get("name", "value")
        writers: list[Write] = []

        def write_map(value, parts) -> None:
            if not writers:
                writers.extend((_element_writer(shape.key, key_tag, ec2),
                                _element_writer(shape.value, value_tag, ec2)))
            write_key, write_value = writers
            parts.append(open_tag)
            for key, item in value.items():
                parts.append("<entry>")
                write_key(key, parts)
                write_value(item, parts)
                parts.append("</entry>")
            parts.append(close_tag)

        return write_map

    def write_scalar(value, parts) -> None:
        text = value if type(value) is str else _text(kind, value)
        if "&" in text or "<" in text or ">" in text:
            text = escape(text)
        parts.append(f"{open_tag}{text}{close_tag}")

    return write_scalar


def _namespace(operation: OperationModel) -> str:
    metadata = operation.service_model.metadata
    namespace = metadata.get("xmlNamespace")
    if namespace:
        return namespace if metadata.get("protocol") != "ec2" else namespace.rstrip("/") + "/"
    return f"http://{metadata.get('endpointPrefix')}.amazonaws.com/doc/{metadata.get('apiVersion')}/"


def _text(kind: str, value) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return iso_timestamp(value)
    return str(value)


def iso_timestamp(value) -> str:
    """Epoch seconds or a datetime as AWS's XML timestamps: 2021-03-05T14:46:16.030Z."""
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), tz=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _unparsable(shape: Shape, key: str, raw: str, expected: str, message: str) -> UnparsableValue:
    problem = Problem("type", key, raw, f"Member must be {expected}", shape, wire=key)
    return UnparsableValue(problem, message)


def _scalar(shape: Shape, key: str, raw: str):
    kind = shape.type_name
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            raise _unparsable(shape, key, raw, "an integer", f"Invalid value '{raw}' for {key}: expected an integer.") \
                from None
    if kind in ("float", "double"):
        try:
            return float(raw)
        except ValueError:
            raise _unparsable(shape, key, raw, "a number", f"Invalid value '{raw}' for {key}: expected a number.") \
                from None
    if kind == "boolean":
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            raise _unparsable(shape, key, raw, "a boolean", f"Invalid value '{raw}' for {key}: expected true or false.")
        return lowered == "true"
    if kind == "blob":
        try:
            base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise _unparsable(shape, key, raw, "base64-encoded binary data",
                              f"Invalid value for {key}: expected base64-encoded data.") from None
        return raw
    return raw
