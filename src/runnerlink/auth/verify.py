"""SigV4 verification of a received request (Authorization header or pre-signed query string), given the secret.

`canonical_request` builds what the client should have signed from the received request: the signed headers are
those the request names, the canonical query is built from the received parameters (decoded, then encoded as SigV4
says), the canonical URI is the received raw path (encoded once more, through botocore's normalize_url_path, as every
service but S3 expects), and the timestamp is the request's X-Amz-Date. The tests hold it to botocore's SigV4Auth and
SigV4QueryAuth (requests they sign verify; any change fails) and to AWS's published test vectors. The signing key is
cached per (secret, date, region, service). The aws-chunked payload variants are decoded by `auth.chunked`.

Pure: no store, no clock of its own (`now` is given). A refusal is a `Refused` with its kind; the edge words it in
the service's shape (`auth.refusals`).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import quote, unquote

from botocore.auth import UNSIGNED_PAYLOAD
from botocore.utils import normalize_url_path

from runnerlink.auth import chunked
from runnerlink.auth.refusals import BAD_SIGNATURE, PRESIGN_EXPIRED, SKEW, Refused
from runnerlink.errors import IncompleteSignature

MAX_SKEW = 15 * 60  # seconds between X-Amz-Date and the server's clock a header-signed request may have
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
_KEY_CACHE_SIZE = 1024
_signing_keys: dict[tuple[str, str, str, str], bytes] = {}
_timestamps: dict[str, float] = {}  # clients sign many requests within one second
_canonical_uris: dict[str, str] = {}
_signed_header_lists: dict[str, tuple[str, ...]] = {}
ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class Signed:
    """What a request says about its signature: from the Authorization header, or the pre-signed query string."""

    access_key: str
    date: str  # of the credential scope, YYYYMMDD
    region: str
    service: str
    timestamp: str  # X-Amz-Date, YYYYMMDDTHHMMSSZ
    signed_headers: tuple[str, ...]
    signature: str
    security_token: str | None
    presigned: bool = False
    expires: int | None = None  # X-Amz-Expires of a pre-signed request

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def read_signed(headers: dict[str, str], query: dict[str, str], access_key: str, date: str, region: str,
                service: str) -> Signed:
    """The signature parts of a request whose credential scope is already parsed (auth.sigv4.parse_authorization).
    headers have lower-case names; query is decoded."""
    authorization = headers.get("authorization")
    if authorization:
        parts = _authorization_parts(authorization)
        timestamp = headers.get("x-amz-date")
        if not timestamp:
            raise IncompleteSignature(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                f"Authorization={authorization[:200]}")
        return Signed(access_key, date, region, service, timestamp, _header_names(parts["SignedHeaders"]),
                      parts["Signature"], headers.get("x-amz-security-token"))
    missing = [name for name in ("X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature") if not query.get(name)]
    if missing:
        raise IncompleteSignature(f"AWS query-string parameters must include '{missing[0]}'. Re-examine the query-"
                                  f"string parameters.")
    expires_text = query.get("X-Amz-Expires", "")
    if not expires_text.isdigit() or not 1 <= int(expires_text) <= MAX_PRESIGN_EXPIRES:
        raise IncompleteSignature(f"X-Amz-Expires must be a number of seconds from 1 to {MAX_PRESIGN_EXPIRES}; "
                                  f"got '{expires_text[:20]}'.")
    return Signed(access_key, date, region, service, query["X-Amz-Date"], _header_names(query["X-Amz-SignedHeaders"]),
                  query["X-Amz-Signature"], query.get("X-Amz-Security-Token"), presigned=True,
                  expires=int(expires_text))


def check_time(signed: Signed, now: float) -> None:
    """Refuse a header-signed request more than 15 minutes off the server's clock, and a pre-signed one past its
    X-Amz-Date + X-Amz-Expires (or dated more than 15 minutes ahead)."""
    at = parse_timestamp(signed.timestamp)
    if signed.presigned:
        if now > at + (signed.expires or 0):
            raise Refused(PRESIGN_EXPIRED, "Request has expired.")
        if at - now > MAX_SKEW:
            raise Refused(SKEW, _skew_message(signed.timestamp, now, ahead=True))
        return
    if now - at > MAX_SKEW:
        raise Refused(SKEW, _skew_message(signed.timestamp, now, ahead=False))
    if at - now > MAX_SKEW:
        raise Refused(SKEW, _skew_message(signed.timestamp, now, ahead=True))


def verify(signed: Signed, method: str, raw_path: str, raw_query: str, headers: dict[str, str], body: bytes,
           secret: str) -> bytes:
    """Check the request's signature with the secret; the payload it carries (aws-chunked bodies decoded, their
    chunk signatures checked). Raises Refused(BAD_SIGNATURE) when anything signed differs."""
    key = signing_key(secret, signed.date, signed.region, signed.service)
    content_sha = headers.get("x-amz-content-sha256")
    if content_sha and content_sha in chunked.STREAMING:
        if signed.presigned:
            raise Refused(BAD_SIGNATURE, f"x-amz-content-sha256 {content_sha} can't be used with a pre-signed URL.")
        expected = signature_of(signed, key, method, raw_path, raw_query, headers, body)
        _compare(expected, signed.signature)
        return chunked.decode(content_sha, body, key, signed.timestamp, signed.scope, signed.signature)
    expected = signature_of(signed, key, method, raw_path, raw_query, headers, body)
    _compare(expected, signed.signature)
    if content_sha and content_sha != UNSIGNED_PAYLOAD and content_sha != hashlib.sha256(body).hexdigest():
        raise Refused(BAD_SIGNATURE, "The provided 'x-amz-content-sha256' header does not match what was computed.")
    return body


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """SigV4's derived key (kDate → kRegion → kService → kSigning); cached, a client's key changes once a day."""
    cache_key = (secret, date, region, service)
    found = _signing_keys.get(cache_key)
    if found is None:
        found = _hmac(f"AWS4{secret}".encode(), date)
        for part in (region, service, "aws4_request"):
            found = _hmac(found, part)
        if len(_signing_keys) >= _KEY_CACHE_SIZE:
            _signing_keys.clear()
        _signing_keys[cache_key] = found
    return found


def parse_timestamp(text: str) -> float:
    """Epoch seconds of an ISO 8601 basic timestamp (20150830T123600Z)."""
    found = _timestamps.get(text)
    if found is None:
        if len(_timestamps) >= _KEY_CACHE_SIZE:
            _timestamps.clear()
        found = _timestamps[text] = _parse_timestamp(text)
    return found


def _parse_timestamp(text: str) -> float:
    if len(text) != 16 or text[8] != "T" or text[15] != "Z" or not (text[:8] + text[9:15]).isdigit():
        raise IncompleteSignature(f"Date must be in ISO-8601 'basic format'. Got '{text[:40]}'. See "
                                  f"http://en.wikipedia.org/wiki/ISO_8601")
    return float(calendar.timegm((int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]),
                                  int(text[11:13]), int(text[13:15]), 0, 0, 0)))


def canonical_request(signed: Signed, method: str, raw_path: str, raw_query: str, headers: dict[str, str],
                      body: bytes) -> str:
    """SigV4's canonical request of a received request (the AWS General Reference's "Create a canonical request"):
    the signed headers are those the request names, the canonical URI is the received path encoded once more (as
    every service but S3 expects), the query decoded and re-encoded, sorted. botocore's SigV4Auth builds the same
    text for outgoing requests — the tests check the two agree — but driving it with a received request costs
    several times this, on every request of enforce mode."""
    uri = _canonical_uris.get(raw_path)
    if uri is None:
        uri = quote(normalize_url_path(raw_path or "/"), safe="/~")
        if len(_canonical_uris) >= _KEY_CACHE_SIZE:
            _canonical_uris.clear()
        _canonical_uris[raw_path] = uri
    query = _canonical_query(raw_query, signed.presigned) if raw_query else ""
    names = signed.signed_headers  # sorted and distinct (_header_names)
    lines = [f"{name}:{' '.join(headers.get(name, '').split())}" for name in names]
    payload = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{uri}\n{query}\n" + "\n".join(lines) + f"\n\n{';'.join(names)}\n{payload}"


def signature_of(signed: Signed, key: bytes, method: str, raw_path: str, raw_query: str, headers: dict[str, str],
                 body: bytes) -> str:
    canonical = canonical_request(signed, method, raw_path, raw_query, headers, body)
    to_sign = f"{ALGORITHM}\n{signed.timestamp}\n{signed.scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.digest(key, to_sign.encode(), "sha256").hex()


def _canonical_query(raw_query: str, drop_signature: bool) -> str:
    pairs = sorted((quote(name, safe="-_.~"), quote(value, safe="-_.~"))
                   for name, value in _query_pairs(raw_query, drop_signature))
    return "&".join(f"{name}={value}" for name, value in pairs)


def _query_pairs(raw_query: str, drop_signature: bool) -> list[tuple[str, str]]:
    """The query's (name, value) pairs decoded; "+" is kept as itself (SigV4 clients send spaces as %20)."""
    pairs = []
    if raw_query:
        for item in raw_query.split("&"):
            if not item:
                continue
            name, _, value = item.partition("=")
            name = unquote(name)
            if drop_signature and name == "X-Amz-Signature":
                continue
            pairs.append((name, unquote(value)))
    return pairs


def _authorization_parts(header: str) -> dict[str, str]:
    _, _, rest = header.strip().partition(" ")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, value = item.strip().partition("=")
        if sep:
            parts[name] = value.strip()
    return parts


def _header_names(text: str) -> tuple[str, ...]:
    found = _signed_header_lists.get(text)  # a client names the same headers on every request
    if found is None:
        if len(_signed_header_lists) >= _KEY_CACHE_SIZE:
            _signed_header_lists.clear()
        found = _signed_header_lists[text] = tuple(sorted({name.strip().lower() for name in text.split(";")
                                                           if name.strip()}))
    return found


def _compare(expected: str, given: str) -> None:
    if not hmac.compare_digest(expected, given):
        raise Refused(BAD_SIGNATURE, "The request signature we calculated does not match the signature you "
                                     "provided. Check your AWS Secret Access Key and signing method. Consult the "
                                     "service documentation for details.")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _skew_message(timestamp: str, now: float, ahead: bool) -> str:
    def basic(at: float) -> str:
        return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(at))

    if ahead:
        return (f"Signature not yet current: {timestamp} is still later than {basic(now + MAX_SKEW)} "
                f"({basic(now)} + 15 min.)")
    return f"Signature expired: {timestamp} is now earlier than {basic(now - MAX_SKEW)} ({basic(now)} - 15 min.)"

