"""Parsing of condition values: numbers, dates, IP addresses, base-64."""

import base64
import binascii
import ipaddress
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

_EPOCH = re.compile(r"^-?\d+(\.\d+)?$")
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ](\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(\.\d+)?)?)?)?"
    r"(Z|z|[+-]\d{1,2}(?::?\d{2})?)?$"
)


def parse_number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=1024)
def parse_date(text: str) -> float | None:
    """Seconds since the epoch, from W3C ISO-8601 (lenient, as IAM is) or epoch seconds."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if _EPOCH.match(text):
        return float(text)
    m = _ISO.match(text)
    if not m:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                          tzinfo=timezone.utc)
    except ValueError:
        return None
    offset = 0
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "0")
        offset = sign * (int(hours) * 3600 + int(minutes) * 60)
    return (moment - timedelta(seconds=offset)).timestamp() + (float(frac) if frac else 0.0)


@lru_cache(maxsize=1024)
def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except (ValueError, AttributeError):
        return None


def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)  # a bare address is a /32 (or /128)
    except (ValueError, AttributeError):
        return None


def parse_base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return None
