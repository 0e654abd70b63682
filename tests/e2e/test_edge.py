"""The edge and wire layer, spoken to over raw HTTP where boto3 would refuse to send the request."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

AUTH = ("AWS4-HMAC-SHA256 Credential=111122223333/20261125/us-east-1/apprunner/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)


def post(server, body: bytes, headers: dict) -> tuple[int, dict, dict]:
    request = urllib.request.Request(server.url + "/", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def json_headers(target: str = "AppRunner.ListServices", **extra) -> dict:
    return {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target, "Authorization": AUTH, **extra}


def test_health_reports_version_and_services(server):
    health = server.health()
    assert health["status"] == "running"
    assert health["version"]
    assert "apprunner" in health["services"]


def test_unknown_target(server):
    status, headers, body = post(server, b"{}", json_headers("AppRunner.FlyToTheMoon"))
    assert status == 400
    assert body["__type"] == "UnknownOperationException"
    assert "FlyToTheMoon" in body["Message"]
    status, _, body = post(server, b"{}", json_headers("Nonexistent_20200101.Op"))
    assert (status, body["__type"]) == (400, "UnknownOperationException")


def test_malformed_json_and_non_object(server):
    status, _, body = post(server, b"{not json", json_headers("AppRunner.ListConnections"))
    assert (status, body["__type"]) == (400, "SerializationException")
    status, _, body = post(server, b"[1, 2]", json_headers("AppRunner.ListConnections"))
    assert (status, body["__type"]) == (400, "SerializationException")


def test_wrong_content_type(server):
    status, _, body = post(server, b"{}", json_headers("AppRunner.ListConnections", **{"Content-Type": "text/plain"}))
    assert status == 415
    assert body["__type"] == "UnsupportedMediaTypeException"


def test_oversized_body(server):
    status, _, body = post(server, b" " * (6 * 1024 * 1024), json_headers("AppRunner.ListConnections"))
    assert status == 413
    assert body["__type"] == "RequestEntityTooLargeException"


def test_missing_and_malformed_authorization(server):
    headers = json_headers("AppRunner.ListConnections")
    del headers["Authorization"]
    status, _, body = post(server, b"{}", headers)
    assert (status, body["__type"]) == (403, "MissingAuthenticationTokenException")
    status, _, body = post(server, b"{}", json_headers("AppRunner.ListConnections", Authorization="AWS4-HMAC-SHA256 Credential=x"))
    assert (status, body["__type"]) == (400, "IncompleteSignatureException")
    bad_scope = AUTH.replace("/us-east-1/apprunner/aws4_request", "/apprunner")
    status, _, body = post(server, b"{}", json_headers("AppRunner.ListConnections", Authorization=bad_scope))
    assert (status, body["__type"]) == (400, "IncompleteSignatureException")


def test_wrong_json_types_are_validation_errors(server):
    status, _, body = post(server, json.dumps({"MaxResults": "ten"}).encode(), json_headers("AppRunner.ListConnections"))
    assert status == 400
    assert body["__type"] == "InvalidRequestException"
    assert body["Message"] == ("1 validation error detected: Value 'ten' at 'maxResults' failed to satisfy "
                               "constraint: Member must be an integer")


def test_max_pattern_and_enum_are_enforced_server_side(apprunner):
    """botocore checks only required/type/min; max, pattern and enum are the server's job."""
    with pytest.raises(ClientError) as err:
        apprunner.create_connection(ConnectionName="x" * 33, ProviderType="GITHUB")
    message = err.value.response["Error"]["Message"]
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "at 'connectionName' failed to satisfy constraint: Member must have length less than or equal to 32" in message
    with pytest.raises(ClientError) as err:
        apprunner.list_connections(MaxResults=101)
    assert "Member must have value less than or equal to 100" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        apprunner.create_connection(ConnectionName="-starts-with-dash", ProviderType="SVN")
    message = err.value.response["Error"]["Message"]
    assert message.startswith("2 validation errors detected:")
    assert "regular expression pattern" in message and "enum value set: [GITHUB, BITBUCKET]" in message


def test_request_id_header(apprunner):
    response = apprunner.list_connections()
    assert len(response["ResponseMetadata"]["RequestId"]) == 36
