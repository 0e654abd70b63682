"""Requests as the edge receives them, signed by botocore's own signers."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlsplit

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from runnerlink.auth import verify
from runnerlink.auth.sigv4 import parse_authorization

KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class Received:
    """A request as the edge receives it: method, raw path and query, lower-case headers, body."""

    def __init__(self, method: str, url: str, headers: dict, body: bytes):
        parts = urlsplit(url)
        self.method, self.path, self.query_string, self.body = method, parts.path or "/", parts.query, body
        self.headers = {name.lower(): value for name, value in headers.items()}
        self.headers.setdefault("host", parts.netloc)

    @property
    def query(self) -> dict:
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    def signed(self) -> verify.Signed:
        scope = parse_authorization(self.headers.get("authorization"), self.query)
        return verify.read_signed(self.headers, self.query, scope.access_key, scope.date, scope.region,
                                  scope.service)

    def check(self, secret: str = SECRET, now: float | None = None) -> bytes:
        signed = self.signed()
        verify.check_time(signed, time.time() if now is None else now)
        return verify.verify(signed, self.method, self.path, self.query_string, self.headers, self.body, secret)


def botocore_signed(method: str, url: str, body: bytes = b"", headers: dict | None = None, service: str = "sts",
                    token: str | None = None, presign: int | None = None, key: str = KEY,
                    secret: str = SECRET) -> Received:
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    credentials = Credentials(key, secret, token)
    signer = SigV4QueryAuth(credentials, service, "us-east-1", expires=presign) if presign else \
        SigV4Auth(credentials, service, "us-east-1")
    signer.add_auth(request)
    prepared = request.prepare()
    return Received(method, prepared.url, dict(prepared.headers.items()), prepared.body or b"")
