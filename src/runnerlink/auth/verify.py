"""SigV4 verification of a received request (Authorization header or pre-signed query string), given the secret.

botocore's own signer computes what the client should have signed: `_ReceivedSigner` is a `SigV4Auth` driven with the
received request instead of an outgoing one — the signed headers are those the request names (not botocore's
choice), the canonical query is built from the received parameters (decoded, then encoded as SigV4 says, through
botocore's `_canonical_query_string_params`), the canonical URI is the received raw path (which botocore encodes once
more, as every service but S3 expects), and the timestamp is the request's X-Amz-Date. Only the signing key is
derived here, so it can be cached per (secret, date, region, service). The aws-chunked payload variants botocore
can't read back are decoded by `auth.chunked`.

Pure: no store, no clock of its own (`now` is given). A refusal is a `Refused` with its kind; the edge words it in
the service's shape (`auth.refusals`).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import unquote

from botocore.auth import UNSIGNED_PAYLOAD, SigV4Auth
from botocore.credentials import Credentials

from runnerlink.auth import chunked
from runnerlink.auth.refusals import BAD_SIGNATURE, PRESIGN_EXPIRED, SKEW, Refused
from runnerlink.errors import IncompleteSignature

MAX_SKEW = 15 * 60  # seconds between X-Amz-Date and the server's clock a header-signed request may have
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
_KEY_CACHE_SIZE = 1024
_signing_keys: dict[tuple[str, str, str, str], bytes] = {}
_timestamps: dict[str, float] = {}  # clients sign many requests within one second


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
        expected = _ReceivedSigner(signed, key).signature_of(method, raw_path, raw_query, headers, body)
        _compare(expected, signed.signature)
        return chunked.decode(content_sha, body, key, signed.timestamp, signed.scope, signed.signature)
    expected = _ReceivedSigner(signed, key).signature_of(method, raw_path, raw_query, headers, body)
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


class _Headers(dict):
    """Lower-case header names → values, with the HTTPHeaders reads SigV4Auth makes (case-insensitive lookups,
    get_all); email.message's HTTPHeaders costs more than the rest of a verification."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and dict.__contains__(self, name.lower())

    def __getitem__(self, name: str) -> str:
        return dict.__getitem__(self, name.lower())

    def get(self, name: str, default=None):  # type: ignore[override]
        return dict.get(self, name.lower(), default)

    def get_all(self, name: str, default=None) -> list[str] | None:
        value = dict.get(self, name.lower())
        return default if value is None else [value]


class _Received:
    """The attributes of an AWSRequest that SigV4Auth's canonical request reads, from a received request."""

    __slots__ = ("method", "url", "headers", "body", "params", "context")

    def __init__(self, method: str, url: str, headers: _Headers, body: bytes, params: list, timestamp: str):
        self.method, self.url, self.headers, self.body, self.params = method, url, headers, body, params
        self.context = {"timestamp": timestamp}


class _ReceivedSigner(SigV4Auth):
    def __init__(self, signed: Signed, key: bytes):
        # The secret stays out: signature() below signs with the cached derived key.
        super().__init__(Credentials(signed.access_key, ""), signed.service, signed.region)
        self._signed = signed
        self._key = key

    def headers_to_sign(self, request) -> _Headers:
        """The headers the request says it signed (a signed header it doesn't carry counts as empty)."""
        headers = request.headers
        return _Headers((name, dict.get(headers, name, "")) for name in self._signed.signed_headers)

    def signature(self, string_to_sign: str, request) -> str:
        return hmac.new(self._key, string_to_sign.encode(), hashlib.sha256).hexdigest()

    def signature_of(self, method: str, raw_path: str, raw_query: str, headers: dict[str, str], body: bytes) -> str:
        params = _query_pairs(raw_query, drop_signature=self._signed.presigned)
        # http:// so SigV4Auth.payload hashes the body (botocore skips that only over https when told to). With no
        # parameters SigV4Auth reads the (empty) query from the URL.
        url = "http://" + headers.get("host", "") + (raw_path or "/")
        request = _Received(method, url, _Headers(headers), body, params, self._signed.timestamp)
        canonical = self.canonical_request(request)
        return self.signature(self.string_to_sign(request, canonical), request)


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
    return tuple(name.strip().lower() for name in text.split(";") if name.strip())


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

