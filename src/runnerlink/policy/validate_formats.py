"""Value formats that IAM checks when it accepts a policy: resource ARNs, dates, numbers, addresses, variables.

Each check returns an AWS message (or a marker for "The policy failed legacy parsing") instead of raising, so the
validator can collect every problem of a document in AWS's order.
"""

from __future__ import annotations

import ipaddress
import re

LEGACY = "The policy failed legacy parsing"

PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"})

# IAM resource paths that IAM accepts, in the order its message lists them.
IAM_RESOURCE_PATHS = ("user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/", "server-certificate/",
                      "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/")

_VARIABLE = re.compile(r"\$\{[^}]*\}")


def has_variable(text: str) -> bool:
    return "${" in text and _VARIABLE.search(text) is not None


def split_arn(arn: str) -> list[str]:
    """Split on ':' outside policy variables (`${cognito-identity.amazonaws.com:sub}` keeps its colon)."""
    parts, start, depth = [], 0, 0
    i = 0
    while i < len(arn):
        if arn.startswith("${", i):
            depth += 1
            i += 2
            continue
        char = arn[i]
        if char == "}" and depth:
            depth -= 1
        elif char == ":" and not depth:
            parts.append(arn[start:i])
            start = i + 1
        i += 1
    parts.append(arn[start:])
    return parts


def resource_error(resource: str) -> str | None:
    """The message IAM gives for a malformed Resource/NotResource entry, LEGACY, or None when it is accepted."""
    if resource == "*":
        return None
    parts = split_arn(resource)
    if len(parts) == 1:
        return f'Resource {resource} must be in ARN format or "*".'
    partition = parts[1]
    if partition != "*" and partition not in PARTITIONS:
        # IAM echoes the entry as a 6-field ARN, filling the fields that are missing with '*'.
        rest = parts[2:]
        fields = [rest[0] if rest and (rest[0] or len(rest) > 1) else "*",
                  rest[1] if len(rest) > 1 else "*",
                  rest[2] if len(rest) > 2 else "*",
                  ":".join(rest[3:]) if len(rest) > 3 else "*"]
        return f'Partition "{partition}" is not valid for resource "arn:{partition}:{":".join(fields)}".'
    if len(parts) == 2:
        return "Resource vendor must be fully qualified and cannot contain regexes."
    service = parts[2]
    if "*" in service or "?" in service:
        return "Resource vendor must be fully qualified and cannot contain regexes."
    if service == "" or (len(parts) < 6 and "::" in resource):
        return LEGACY
    region = parts[3] if len(parts) > 3 else ""
    path = ":".join(parts[5:]) if len(parts) > 5 else ""
    if service == "iam" and region:
        return f"IAM resource {resource} cannot contain region information."
    if service == "s3" and region and not path.startswith("accesspoint/"):
        return f"Resource {resource} can not contain region information."
    if service == "iam" and not (path == "*" or path.startswith(IAM_RESOURCE_PATHS)):
        return f'IAM resource path must either be "*" or start with {", ".join(IAM_RESOURCE_PATHS)}.'
    return None


def variable_outside_resource_part(resource: str) -> bool:
    """Policy variables may appear only in the resource part of an ARN, after the fifth colon."""
    return any(has_variable(part) for part in split_arn(resource)[:5])


_ISO_DATE = re.compile(r"(-?\d+)(?:-(\d+))?(?:-(\d+))?")
_ISO_TIME = re.compile(r"(\d+)?(?::(\d+))?(?::(\d+)(?:\.(\d+))?)?(z|[+-]\d\d(?::?\d\d)?)?")
_MAX_EPOCH = 2**63 - 1


def date_ok(value: object) -> bool:
    """IAM's lenient W3C/ISO-8601 reader, or epoch seconds (a non-negative 64-bit integer)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return 0 <= value <= _MAX_EPOCH
    if not isinstance(value, str):
        return False
    text = value.lower()
    if "t" not in text and "-" not in text:
        return text.isdigit() and int(text) <= _MAX_EPOCH
    day_part, _, time_part = text.partition("t")
    date = _ISO_DATE.fullmatch(day_part)
    if not date:
        return False
    year, month, day = date.groups()
    if not -292275054 <= int(year) <= 292278993:
        return False
    if month is not None and not 1 <= int(month) <= 12:
        return False
    if day is not None and not 1 <= int(day) <= 31:
        return False
    time = _ISO_TIME.fullmatch(time_part)
    if not time:
        return False
    hours, minutes, seconds, fraction, _zone = time.groups()
    if hours is not None and int(hours) > 23:
        return False
    if minutes is not None and int(minutes) > 59:
        return False
    if seconds is not None and int(seconds) > 59:
        return False
    if fraction is not None and int(fraction) > 999_999_999:
        return False
    if _zone and _zone != "z":
        zone_hours, zone_minutes = int(_zone[1:3]), int(_zone[-2:]) if len(_zone) > 3 else 0
        if zone_hours > 23 or zone_minutes > 59:
            return False
    return True


def number_ok(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def ip_ok(value: object) -> bool:
    try:
        ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return False
    return True
