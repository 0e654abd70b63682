"""aws-chunked payloads (X-Amz-Content-Sha256 STREAMING-…): decoded, with their chunk signatures checked.

Each signed chunk is `hex-size;chunk-signature=SIG\\r\\nDATA\\r\\n`, SIG chaining from the request's own signature
(the seed) over "AWS4-HMAC-SHA256-PAYLOAD\\n<timestamp>\\n<scope>\\n<previous>\\n<sha256('')>\\n<sha256(DATA)>", and the
last chunk is empty. The -TRAILER variants end with trailing headers; a signed trailer carries
x-amz-trailer-signature over "AWS4-HMAC-SHA256-TRAILER\\n<timestamp>\\n<scope>\\n<previous>\\n<sha256(trailers)>".
Unsigned chunks are `hex-size\\r\\nDATA\\r\\n`. AWS's S3 documentation works one example of each through; the unit
tests check those signatures. botocore signs these payloads but has no reader for them, hence this module.
"""

from __future__ import annotations

import hashlib
import hmac

from runnerlink.auth.refusals import BAD_SIGNATURE, Refused

SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING = frozenset({SIGNED, SIGNED_TRAILER, UNSIGNED_TRAILER})
_EMPTY = hashlib.sha256(b"").hexdigest()


class Malformed(Refused):
    def __init__(self, why: str):
        super().__init__(BAD_SIGNATURE, f"The aws-chunked payload is malformed: {why}.")


def decode(mode: str, body: bytes, key: bytes, timestamp: str, scope: str, seed: str) -> bytes:
    """The payload of an aws-chunked body sent with X-Amz-Content-Sha256 `mode`."""
    signed = mode != UNSIGNED_TRAILER
    previous = seed
    data: list[bytes] = []
    at = 0
    while True:
        end = body.find(b"\r\n", at)
        if end < 0:
            raise Malformed("a chunk header has no end")
        size_text, _, extension = body[at:end].decode("latin-1").partition(";")
        try:
            size = int(size_text, 16)
        except ValueError:
            raise Malformed(f"chunk size {size_text[:20]!r} is not hexadecimal") from None
        start = end + 2
        chunk = body[start:start + size]
        if len(chunk) != size:
            raise Malformed("a chunk is shorter than its size")
        if signed:
            name, _, given = extension.partition("=")
            if name.strip() != "chunk-signature":
                raise Malformed("a chunk has no chunk-signature")
            previous = _check(key, "AWS4-HMAC-SHA256-PAYLOAD", timestamp, scope, previous,
                              f"{_EMPTY}\n{hashlib.sha256(chunk).hexdigest()}", given.strip())
        data.append(chunk)
        at = start + size
        if size == 0:
            break
        if body[at:at + 2] != b"\r\n":
            raise Malformed("a chunk's data doesn't end with CRLF")
        at += 2
    if mode != SIGNED:
        _trailers(body[at:], mode == SIGNED_TRAILER, key, timestamp, scope, previous)
    return b"".join(data)


def _trailers(rest: bytes, signed: bool, key: bytes, timestamp: str, scope: str, previous: str) -> None:
    lines = [line for line in rest.decode("latin-1").split("\r\n") if line]
    headers = []
    signature = None
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep:
            raise Malformed(f"trailer {line[:40]!r} is not a header")
        if name.strip().lower() == "x-amz-trailer-signature":
            signature = value.strip()
        else:
            headers.append(f"{name.strip().lower()}:{value.strip()}\n")
    if signed:
        if signature is None:
            raise Malformed("the trailer has no x-amz-trailer-signature")
        _check(key, "AWS4-HMAC-SHA256-TRAILER", timestamp, scope, previous,
               hashlib.sha256("".join(headers).encode()).hexdigest(), signature)


def _check(key: bytes, algorithm: str, timestamp: str, scope: str, previous: str, tail: str, given: str) -> str:
    expected = hmac.new(key, f"{algorithm}\n{timestamp}\n{scope}\n{previous}\n{tail}".encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise Refused(BAD_SIGNATURE, "The request signature we calculated does not match the signature you "
                                     "provided (a chunk-signature of the aws-chunked payload).")
    return expected
