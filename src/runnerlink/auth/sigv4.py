"""SigV4 credential scope parsing (Authorization header or pre-signed query): the access key, date, region and service.

Which principal a key stands for is auth.credentials'; verifying the signature, auth.verify's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runnerlink.errors import IncompleteSignature, MissingAuthenticationToken

ALGORITHM = "AWS4-HMAC-SHA256"
_SCOPE = re.compile(r"(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9.-]+)/aws4_request")
# A client signs every request with the same credential scope (per key, day, region and service): the parsed forms are
# kept, bounded, so a request costs a dict lookup instead of a regex match and a new object.
_CACHE_SIZE = 4096
_credentials: dict[str, "Credential"] = {}


@dataclass(frozen=True)
class Credential:
    access_key: str
    date: str
    region: str
    service: str


def parse_authorization(header: str | None, query: dict[str, str] | None = None) -> Credential:
    """The credential scope of a SigV4-signed request, from the Authorization header or a presigned query string."""
    if header:
        algorithm, _, rest = header.strip().partition(" ")
        if algorithm != ALGORITHM:
            raise IncompleteSignature(
                f"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header and the "
                f"algorithm {ALGORITHM}; got '{algorithm}'."
            )
        parts = {}
        for item in rest.split(","):
            name, sep, value = item.strip().partition("=")
            if sep:
                parts[name] = value
        missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not parts.get(name)]
        if missing:
            raise IncompleteSignature(
                f"Authorization header requires '{missing[0]}' parameter. Authorization={header[:200]}"
            )
        return _credential(parts["Credential"])
    if query and query.get("X-Amz-Credential"):
        if query.get("X-Amz-Algorithm") != ALGORITHM or not query.get("X-Amz-Signature"):
            raise IncompleteSignature("The presigned request needs X-Amz-Algorithm=AWS4-HMAC-SHA256 and X-Amz-Signature.")
        return _credential(query["X-Amz-Credential"])
    raise MissingAuthenticationToken("Missing Authentication Token")


def _credential(value: str) -> Credential:
    found = _credentials.get(value)
    if found is None:
        found = _remember(_credentials, value, _parse_credential(value))
    return found


def _parse_credential(value: str) -> Credential:
    match = _SCOPE.fullmatch(value)
    if not match:
        raise IncompleteSignature(
            f"Credential should be scoped to a valid region, date, service and terminated by aws4_request; "
            f"got '{value[:200]}'."
        )
    return Credential(match["key"], match["date"], match["region"], match["service"])


def _remember(cache: dict, key: str, value):
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value
