"""The awsJson1_0 / awsJson1_1 protocol: POST / with X-Amz-Target, JSON in and out, errors as {"__type", "message"}."""

from __future__ import annotations

import json
from datetime import datetime

from botocore.model import OperationModel, Shape

from runnerlink.errors import AWSError, Serialization, UnsupportedMediaType
from runnerlink.wire.validate import format_problems, validation_problems

CONTENT_TYPES = ("application/x-amz-json-1.0", "application/x-amz-json-1.1")


def check_content_type(content_type: str) -> None:
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
            params = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Serialization(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(params, dict):
        raise Serialization("The request body must be a JSON object.")
    problems = validation_problems(operation.input_shape, params)
    if problems:
        raise validation_error(format_problems(problems))
    return params


def serialize(shape: Shape | None, value: object) -> object:
    """Keep only what the output shape defines (internal fields never leak); timestamps become epoch seconds."""
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        out = {}
        for name, member_value in value.items():  # type: ignore[union-attr]
            member = members.get(name)
            if member is not None and member_value is not None:
                out[name] = serialize(member, member_value)
        return out
    if kind == "list":
        return [serialize(shape.member, item) for item in value]  # type: ignore[union-attr]
    if kind == "map":
        return {k: serialize(shape.value, v) for k, v in value.items()}  # type: ignore[union-attr]
    if kind == "timestamp" and isinstance(value, datetime):
        return value.timestamp()
    return value


def render_response(operation: OperationModel, output: dict) -> bytes:
    return json.dumps(serialize(operation.output_shape, output) if operation.output_shape else {}).encode()


def render_error(error: AWSError) -> bytes:
    return json.dumps({"__type": error.code, "Message": error.message}).encode()


RESPONSE_CONTENT_TYPE = "application/x-amz-json-1.0"


class JsonProtocol:
    """The awsJson protocol as the edge sees it; the ec2 and query protocols offer the same four members."""

    name = "json"
    content_type = RESPONSE_CONTENT_TYPE

    @staticmethod
    def parse(operation: OperationModel, body: bytes, headers: dict[str, str],
              validation_error: type[AWSError]) -> dict:
        check_content_type(headers.get("content-type", ""))
        return parse_request(operation, body, validation_error)

    @staticmethod
    def render_response(operation: OperationModel, output: dict) -> bytes:
        return render_response(operation, output)

    @staticmethod
    def render_error(error: AWSError) -> bytes:
        return render_error(error)
