"""App Runner identifiers in AWS's formats: 32-hex ids, dashed-UUID operation ids, ARNs, service URLs."""

from __future__ import annotations

import re
import secrets
import string
import uuid
from dataclasses import dataclass

from runnerlink.services.apprunner.errors import InvalidRequest

DEFAULT_ASC_NAME = "DefaultConfiguration"
DEFAULT_ASC_ID = "00000000000000000000000000000001"
_URL_ALPHABET = string.ascii_lowercase + string.digits


def new_id() -> str:
    return uuid.uuid4().hex


def new_operation_id() -> str:
    return str(uuid.uuid4())


def service_url(region: str) -> str:
    """<10 lowercase alphanumerics>.<region>.awsapprunner.com, without a scheme."""
    return "".join(secrets.choice(_URL_ALPHABET) for _ in range(10)) + f".{region}.awsapprunner.com"


def arn(region: str, account: str, resource: str) -> str:
    return f"arn:aws:apprunner:{region}:{account}:{resource}"


@dataclass(frozen=True)
class ParsedArn:
    region: str
    account: str
    resource_type: str  # service, connection, autoscalingconfiguration, ...
    parts: tuple[str, ...]  # the path after the resource type


_ARN = re.compile(r"arn:aws[\w-]*:apprunner:(?P<region>[a-z0-9-]*):(?P<account>\d{12}):(?P<type>[a-z]+)/(?P<path>.+)")


def parse_arn(value: str, field: str = "ARN") -> ParsedArn:
    match = _ARN.fullmatch(value)
    if not match:
        raise InvalidRequest(f"The {field} '{value}' is not a valid App Runner ARN.")
    return ParsedArn(match["region"], match["account"], match["type"], tuple(match["path"].split("/")))
