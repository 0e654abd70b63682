"""SigV4 verification of received requests: botocore-signed requests verify, any change fails, and AWS's published
examples (the SigV4 test suite, S3's aws-chunked walk-throughs) give their documented signatures."""

from __future__ import annotations

import hashlib
import time

import pytest

from runnerlink.auth import chunked, verify
from runnerlink.auth.refusals import BAD_SIGNATURE, PRESIGN_EXPIRED, SKEW, Refused
from tests.unit.auth.signing import KEY, SECRET, Received, botocore_signed

JSON = dict(method="POST", url="http://127.0.0.1:4566/", body=b'{"MaxResults": 5}', service="apprunner",
            headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AppRunner.ListServices"})
QUERY = dict(method="POST", url="http://127.0.0.1:4566/", body=b"Action=GetCallerIdentity&Version=2011-06-15",
             service="sts", headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
GET = dict(method="GET", url="http://127.0.0.1:4566/?Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName"
                              "&Filter.1.Value.1=a%20b%2Bc~", service="ec2")


@pytest.mark.parametrize("case", [JSON, QUERY, GET], ids=["json", "query", "get-with-query"])
def test_botocore_signed_requests_verify(case):
    received = botocore_signed(**case)
    assert received.check() == received.body
    assert received.signed().signed_headers[0] in ("content-type", "host")


STS_GET = dict(method="GET", url="http://localhost:4566/?Action=GetCallerIdentity&Version=2011-06-15", service="sts")


@pytest.mark.parametrize("case", [STS_GET, GET], ids=["sts", "ec2-with-filters"])
def test_presigned_requests_verify(case):
    received = botocore_signed(**case, presign=300)
    assert "authorization" not in received.headers and "X-Amz-Signature" in received.query
    received.check()


def tampered(received: Received, what: str) -> Received:
    if what == "method":
        received.method = "PUT"
    elif what == "path":
        received.path = "/other"
    elif what == "query":
        received.query_string = (received.query_string + "&" if received.query_string else "") + "Extra=1"
    elif what == "header":
        received.headers["host"] = "elsewhere:4566"
    elif what == "body":
        received.body = received.body + b" "
    return received


@pytest.mark.parametrize("what", ["method", "path", "query", "header", "body"])
@pytest.mark.parametrize("case", [JSON, QUERY, GET], ids=["json", "query", "get-with-query"])
def test_any_change_fails(case, what):
    received = tampered(botocore_signed(**case), what)
    with pytest.raises(Refused) as refused:
        received.check()
    assert refused.value.kind == BAD_SIGNATURE


@pytest.mark.parametrize("what", ["method", "path", "query", "header"])
def test_any_change_to_a_presigned_request_fails(what):
    received = tampered(botocore_signed(**GET, presign=300), what)
    with pytest.raises(Refused, match="does not match"):
        received.check()


def test_a_wrong_secret_fails():
    with pytest.raises(Refused, match="does not match"):
        botocore_signed(**QUERY).check(secret="not-the-secret")


def test_the_signature_covers_the_security_token():
    received = botocore_signed(**QUERY, token="session-token")
    assert received.signed().security_token == "session-token"
    received.check()
    received.headers["x-amz-security-token"] = "other-token"
    with pytest.raises(Refused, match="does not match"):
        received.check()
    presigned = botocore_signed(**GET, token="session-token", presign=60)
    assert presigned.signed().security_token == "session-token"
    presigned.check()


def test_clock_skew_of_header_signed_requests():
    received = botocore_signed(**QUERY)
    now = time.time()
    received.check(now=now + 14 * 60)
    with pytest.raises(Refused, match=r"Signature expired: \d{8}T\d{6}Z is now earlier than .* - 15 min\.") as late:
        received.check(now=now + 16 * 60)
    with pytest.raises(Refused, match=r"Signature not yet current: .* \+ 15 min\.") as early:
        received.check(now=now - 16 * 60)
    assert late.value.kind == early.value.kind == SKEW


def test_presigned_urls_expire_at_their_date_plus_expires():
    received = botocore_signed(**GET, presign=60)
    now = time.time()
    received.check(now=now + 50)
    with pytest.raises(Refused) as expired:
        received.check(now=now + 70)
    assert expired.value.kind == PRESIGN_EXPIRED


def test_signing_keys_are_cached():
    first = verify.signing_key("s", "20240101", "us-east-1", "sts")
    assert verify.signing_key("s", "20240101", "us-east-1", "sts") is first
    assert verify.signing_key("s", "20240102", "us-east-1", "sts") != first


def test_content_sha256_header():
    # The header's value is what the canonical request carries; a hash must also match the body.
    headers = {**QUERY["headers"], "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    received = botocore_signed(**{**QUERY, "headers": headers})
    received.body = b"Action=Anything"  # unsigned: any body
    received.check()
    headers = {**QUERY["headers"], "X-Amz-Content-SHA256": hashlib.sha256(QUERY["body"]).hexdigest()}
    received = botocore_signed(**{**QUERY, "headers": headers})
    received.check()
    received.body = b"Action=Other"
    with pytest.raises(Refused, match="x-amz-content-sha256"):
        received.check()


# --- AWS's published examples ----------------------------------------------------------------------------------------
SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SUITE_SCOPE = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
SUITE_TIME = verify.parse_timestamp("20150830T123600Z")


@pytest.mark.parametrize("method, target, signature", [
    ("GET", "/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),  # get-vanilla
    ("GET", "/?Param2=value2&Param1=value1",  # get-vanilla-query-order-key-case
     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
    ("POST", "/", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),  # post-vanilla
    ("GET", "/\u1234", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),  # get-utf8
])
def test_aws_sig_v4_test_suite(method, target, signature):
    authorization = f"AWS4-HMAC-SHA256 Credential={SUITE_SCOPE}, SignedHeaders=host;x-amz-date, Signature={signature}"
    received = Received(method, f"http://example.amazonaws.com{target}",
                        {"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z",
                         "Authorization": authorization}, b"")
    received.check(secret=SUITE_SECRET, now=SUITE_TIME)
    with pytest.raises(Refused):
        received.check(secret=SUITE_SECRET[:-1], now=SUITE_TIME)


S3_TIME = verify.parse_timestamp("20130524T000000Z")
S3_SCOPE = f"{KEY}/20130524/us-east-1/s3/aws4_request"


def s3_chunked(mode: str, signed_headers: str, seed: str, signatures: list[str], trailers: str) -> Received:
    """S3's documented chunked PUT of 66,560 bytes of "a" (64 KiB + 1 KiB + the final empty chunk)."""
    if mode == chunked.UNSIGNED_TRAILER:
        body = b"10000\r\n" + b"a" * 65536 + b"\r\n400\r\n" + b"a" * 1024 + b"\r\n0\r\n"
    else:
        body = (f"10000;chunk-signature={signatures[0]}\r\n".encode() + b"a" * 65536
                + f"\r\n400;chunk-signature={signatures[1]}\r\n".encode() + b"a" * 1024
                + f"\r\n0;chunk-signature={signatures[2]}\r\n".encode())
    body += trailers.encode() + b"\r\n"
    headers = {"Host": "s3.amazonaws.com", "X-Amz-Date": "20130524T000000Z", "X-Amz-Content-Sha256": mode,
               "X-Amz-Storage-Class": "REDUCED_REDUNDANCY", "Content-Encoding": "aws-chunked",
               "X-Amz-Decoded-Content-Length": "66560", "Content-Length": str(len(body)),
               "Authorization": f"AWS4-HMAC-SHA256 Credential={S3_SCOPE},SignedHeaders={signed_headers},"
                                f"Signature={seed}"}
    if trailers:
        headers["X-Amz-Trailer"] = "x-amz-checksum-crc32c"
    return Received("PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", headers, body)


SIGNED_CHUNKS = (chunked.SIGNED,
                 "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
                 "x-amz-storage-class", "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
                 ["ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                  "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                  "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"], "")
SIGNED_TRAILER = (chunked.SIGNED_TRAILER,
                  "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
                  "x-amz-storage-class;x-amz-trailer", "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
                  ["b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
                   "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
                   "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"],
                  "x-amz-checksum-crc32c:sOO8/Q==\r\n"
                  "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n")


@pytest.mark.parametrize("example", [SIGNED_CHUNKS, SIGNED_TRAILER], ids=["signed", "signed-trailer"])
def test_s3_documented_chunked_upload(example):
    received = s3_chunked(*example)
    if example is SIGNED_CHUNKS:
        assert len(received.body) == 66824  # the documented Content-Length
    assert received.check(now=S3_TIME) == b"a" * 66560


@pytest.mark.parametrize("example", [SIGNED_CHUNKS, SIGNED_TRAILER], ids=["signed", "signed-trailer"])
@pytest.mark.parametrize("where", [100, 65536 + 200])
def test_a_changed_chunk_fails(example, where):
    received = s3_chunked(*example)
    received.body = received.body[:where] + b"b" + received.body[where + 1:]
    with pytest.raises(Refused, match="chunk-signature"):
        received.check(now=S3_TIME)


def test_a_changed_trailer_fails():
    received = s3_chunked(*SIGNED_TRAILER)
    received.body = received.body.replace(b"sOO8/Q==", b"sOO8/R==")
    with pytest.raises(Refused, match="chunk-signature"):
        received.check(now=S3_TIME)


def test_unsigned_trailer_chunks_decode():
    headers = "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;" \
              "x-amz-storage-class;x-amz-trailer"
    received = s3_chunked(chunked.UNSIGNED_TRAILER, headers, "0" * 64, [], "x-amz-checksum-crc32c:sOO8/Q==\r\n")
    signed = received.signed()
    key = verify.signing_key(SECRET, signed.date, signed.region, signed.service)
    assert chunked.decode(chunked.UNSIGNED_TRAILER, received.body, key, signed.timestamp, signed.scope,
                          signed.signature) == b"a" * 66560
    with pytest.raises(Refused, match="malformed"):
        chunked.decode(chunked.UNSIGNED_TRAILER, b"zz\r\nab", key, signed.timestamp, signed.scope, "")


def test_botocore_signed_unsigned_trailer_request():
    body = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"
    received = botocore_signed("PUT", "http://127.0.0.1:4566/bucket/key", body, service="s3",
                               headers={"X-Amz-Content-SHA256": chunked.UNSIGNED_TRAILER,
                                        "Content-Encoding": "aws-chunked", "X-Amz-Trailer": "x-amz-checksum-crc32"})
    assert received.check() == b"hello"
