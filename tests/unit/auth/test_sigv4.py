"""SigV4 credential scope parsing: answers and errors, first time and (cached) every time after."""

from __future__ import annotations

import pytest

from runnerlink.auth import sigv4
from runnerlink.auth.sigv4 import parse_authorization
from runnerlink.errors import IncompleteSignature, MissingAuthenticationToken

SCOPE = "111122223333/20240101/us-east-1/apprunner/aws4_request"


def header(credential: str = SCOPE, rest: str = ", SignedHeaders=host;x-amz-date, Signature=" + "0" * 64) -> str:
    return f"AWS4-HMAC-SHA256 Credential={credential}{rest}"


@pytest.mark.parametrize("repeat", [1, 2])
def test_credential_scope(repeat):
    for _ in range(repeat):
        credential = parse_authorization(header())
        assert (credential.access_key, credential.date, credential.region, credential.service) == (
            "111122223333", "20240101", "us-east-1", "apprunner")


@pytest.mark.parametrize("credential", [
    "111122223333/2024010/us-east-1/apprunner/aws4_request",
    "111122223333/20240101/US-EAST-1/apprunner/aws4_request",
    "111122223333/20240101/us-east-1/apprunner/aws4",
    "/20240101/us-east-1/apprunner/aws4_request",
    "a/b/20240101/us-east-1/apprunner/aws4_request",
])
def test_malformed_scopes_are_refused_every_time(credential):
    for _ in range(2):
        with pytest.raises(IncompleteSignature, match="Credential should be scoped"):
            parse_authorization(header(credential))


def test_missing_parts_and_algorithm():
    with pytest.raises(IncompleteSignature, match="'Signature'"):
        parse_authorization(header(rest=", SignedHeaders=host"))
    with pytest.raises(IncompleteSignature, match="'SignedHeaders'"):
        parse_authorization(header(rest=", SignedHeaders=, Signature=abc"))
    with pytest.raises(IncompleteSignature, match="algorithm"):
        parse_authorization("AWS4-HMAC-SHA1 " + header()[len("AWS4-HMAC-SHA256 "):])
    with pytest.raises(MissingAuthenticationToken):
        parse_authorization(None, {})


def test_presigned_query():
    query = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": SCOPE, "X-Amz-Signature": "abc"}
    assert parse_authorization(None, query).region == "us-east-1"


def test_the_cache_is_bounded():
    for index in range(sigv4._CACHE_SIZE + 10):
        parse_authorization(header(f"KEY{index}/20240101/us-east-1/apprunner/aws4_request"))
    assert len(sigv4._credentials) <= sigv4._CACHE_SIZE
