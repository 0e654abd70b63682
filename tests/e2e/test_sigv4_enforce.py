"""`runnerlink serve --iam enforce`: every signature is verified, and refused in each service's own shape (boto3, the
AWS CLI, a pre-signed URL fetched with urllib, and a workload's requests through the subnet gateway)."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from unittest import mock

import boto3
import botocore.auth
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.e2e.ec2_fixtures import make_endpoint, make_network
from tests.e2e.test_gateway import exec_in, wait_available
from tests.server import InProcessServer, RunningServer

ROOT_ACCOUNT, ROOT_KEY, ROOT_SECRET = "222233334444", "AKIAROOTEXAMPLE", "root-secret"
SERVICES = ("apprunner", "ec2", "sts", "iam")
CALLS = {"apprunner": ("list_services", {}), "ec2": ("describe_vpcs", {}), "sts": ("get_caller_identity", {}),
         "iam": ("list_users", {})}
# service → (unknown key, wrong signature, skewed clock): code and HTTP status, as each service answers
REFUSALS = {
    "apprunner": (("UnrecognizedClientException", 403), ("InvalidSignatureException", 403),
                  ("InvalidSignatureException", 403)),
    "ec2": (("AuthFailure", 401), ("SignatureDoesNotMatch", 403), ("RequestExpired", 400)),
    "sts": (("InvalidClientTokenId", 403), ("SignatureDoesNotMatch", 403), ("SignatureDoesNotMatch", 403)),
    "iam": (("InvalidClientTokenId", 403), ("SignatureDoesNotMatch", 403), ("SignatureDoesNotMatch", 403)),
}


@pytest.fixture(scope="module")
def enforcing():
    running = InProcessServer(iam="enforce", root_credentials=(f"{ROOT_ACCOUNT}={ROOT_KEY}:{ROOT_SECRET}",)).start()
    yield running
    running.stop()


def client(server, service: str, key: str, secret: str, token: str | None = None):
    return boto3.client(service, endpoint_url=server.url, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token,
                        config=Config(retries={"max_attempts": 1}))


def call(server, service: str, key: str, secret: str, token: str | None = None):
    name, params = CALLS[service]
    return getattr(client(server, service, key, secret, token), name)(**params)


def authenticates(server, service: str, key: str, secret: str) -> None:
    """The call gets past authentication (IAM's handlers may not be there yet: "not implemented" is past it)."""
    try:
        call(server, service, key, secret)
    except ClientError as error:
        assert service == "iam" and error.response["Error"]["Code"] == "UnknownOperationException", error


def refusal(server, service: str, key: str, secret: str, token: str | None = None) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as error:
        call(server, service, key, secret, token)
    response = error.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def test_configured_root_credentials_sign_as_the_accounts_root(enforcing):
    identity = call(enforcing, "sts", ROOT_KEY, ROOT_SECRET)
    assert (identity["Account"], identity["Arn"]) == (ROOT_ACCOUNT, f"arn:aws:iam::{ROOT_ACCOUNT}:root")
    assert call(enforcing, "apprunner", ROOT_KEY, ROOT_SECRET)["ServiceSummaryList"] == []
    assert "Vpcs" in call(enforcing, "ec2", ROOT_KEY, ROOT_SECRET)


def test_the_conventions_keep_quick_setups_working(enforcing):
    # A 12-digit key id is its account's root with the secret "test"; "test"/"test" is the default account's root.
    assert call(enforcing, "sts", "111122223333", "test")["Arn"] == "arn:aws:iam::111122223333:root"
    assert call(enforcing, "sts", "test", "test")["Account"] == "000000000000"
    # Not for an account with configured root credentials.
    assert refusal(enforcing, "sts", ROOT_ACCOUNT, "test")[:2] == ("InvalidClientTokenId", 403)


@pytest.mark.parametrize("service", SERVICES)
def test_a_wrong_secret_is_each_services_signature_error(enforcing, service):
    code, status, message = refusal(enforcing, service, ROOT_KEY, "not-the-secret")
    assert (code, status) == REFUSALS[service][1]
    assert message.startswith("The request signature we calculated does not match the signature you provided.")


@pytest.mark.parametrize("service", SERVICES)
def test_an_unknown_key_is_each_services_unknown_key_error(enforcing, service):
    code, status, message = refusal(enforcing, service, "AKIAUNKNOWNKEYEXAMPL", "secret")
    assert (code, status) == REFUSALS[service][0]
    expected = "AWS was not able to validate the provided access credentials" if service == "ec2" else \
        "The security token included in the request is invalid."
    assert message == expected


def test_a_session_token_with_a_long_term_key_is_refused(enforcing):
    assert refusal(enforcing, "sts", ROOT_KEY, ROOT_SECRET, token="IQoJb3JpZ2luX2VjEXAMPLE")[:2] == \
        ("InvalidClientTokenId", 403)


def at(offset: datetime.timedelta):
    """botocore signing as if its clock were `offset` off."""
    real = botocore.auth.get_current_datetime
    return mock.patch.object(botocore.auth, "get_current_datetime", lambda: real() + offset)


@pytest.mark.parametrize("service", SERVICES)
def test_a_skewed_clock_is_refused(enforcing, service):
    with at(datetime.timedelta(minutes=-20)):
        code, status, message = refusal(enforcing, service, ROOT_KEY, ROOT_SECRET)
    assert (code, status) == REFUSALS[service][2]
    if service != "ec2":
        assert message.startswith("Signature expired: ") and message.endswith(" - 15 min.)")
    with at(datetime.timedelta(minutes=20)):
        code, _, message = refusal(enforcing, service, ROOT_KEY, ROOT_SECRET)
    assert code == REFUSALS[service][2][0]
    with at(datetime.timedelta(minutes=10)):  # within 15 minutes: accepted
        authenticates(enforcing, service, ROOT_KEY, ROOT_SECRET)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def presigned(server, expires: int = 60, method: str = "GET") -> str:
    # botocore signs a query-protocol call as POST unless told: the method is part of what is signed.
    return client(server, "sts", ROOT_KEY, ROOT_SECRET).generate_presigned_url(
        "get_caller_identity", ExpiresIn=expires, HttpMethod=method)


def test_a_presigned_url_works(enforcing):
    url = presigned(enforcing)
    assert "X-Amz-Signature=" in url and "Authorization" not in url
    status, body = fetch(url)
    assert status == 200, body
    assert f"<Arn>arn:aws:iam::{ROOT_ACCOUNT}:root</Arn>" in body
    # Signed for POST, fetched with GET: not what was signed.
    status, body = fetch(presigned(enforcing, method="POST"))
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in body


def test_a_tampered_presigned_url_fails(enforcing):
    url = presigned(enforcing)
    for changed in (url.replace("Action=GetCallerIdentity", "Action=GetCallerIdentity&Extra=1"),
                    url.replace("X-Amz-Expires=60", "X-Amz-Expires=600"),
                    url[:-1] + ("0" if url[-1] != "0" else "1")):
        status, body = fetch(changed)
        assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in body, body


def test_an_expired_presigned_url_fails(enforcing):
    with at(datetime.timedelta(minutes=-5)):
        url = presigned(enforcing, expires=60)
    status, body = fetch(url)
    assert status == 400 and "<Code>RequestExpired</Code>" in body, body


def aws_cli(server, key: str, secret: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION="us-east-1",
               AWS_MAX_ATTEMPTS="1")
    return subprocess.run(["aws", "--endpoint-url", server.url, "--output", "json", *args], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_the_aws_cli(enforcing):
    result = aws_cli(enforcing, ROOT_KEY, ROOT_SECRET, "sts", "get-caller-identity")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Account"] == ROOT_ACCOUNT
    result = aws_cli(enforcing, ROOT_KEY, "wrong", "apprunner", "list-services")
    assert result.returncode != 0 and "(InvalidSignatureException)" in result.stderr
    result = aws_cli(enforcing, "AKIAUNKNOWNKEYEXAMPL", "x", "ec2", "describe-vpcs")
    assert result.returncode != 0 and "(AuthFailure)" in result.stderr


def test_the_traffic_log_names_the_key_and_refusals(enforcing):
    call(enforcing, "sts", ROOT_KEY, ROOT_SECRET)
    refusal(enforcing, "sts", ROOT_KEY, "wrong")
    with urllib.request.urlopen(f"{enforcing.url}/_runnerlink/traffic?limit=1000", timeout=5) as response:
        entries = [e for e in json.load(response)["requests"] if e["operation"] == "GetCallerIdentity"]
    ok = [e for e in entries if e["status"] == 200][-1]
    assert (ok["accessKey"], ok["principalKind"], ok["principal"]) == (
        ROOT_KEY, "root", f"arn:aws:iam::{ROOT_ACCOUNT}:root")
    refused = [e for e in entries if e["error"] == "SignatureDoesNotMatch"][-1]
    assert refused["status"] == 403 and refused["principal"] is None


LIST_SERVICES = """
import boto3, botocore.exceptions, sys
client = boto3.client("apprunner", region_name="us-east-1")
try:
    print("services", len(client.list_services()["ServiceSummaryList"]))
except botocore.exceptions.ClientError as error:
    print("refused", error.response["Error"]["Code"])
"""


def test_a_workloads_requests_through_the_gateway_are_verified(enforcing):
    account = "333344445555"
    ec2 = client(enforcing, "ec2", account, "test")
    network = make_network(ec2)
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True)["VpcEndpointId"]
    wait_available(ec2, endpoint)
    # Signed for apprunner.us-east-1.amazonaws.com over the gateway's TLS tunnel: the Host and path it signed are
    # what the pipeline verifies.
    result = exec_in(enforcing, account, network.subnet_ids[0], sys.executable, "-c", LIST_SERVICES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "services 0"
    result = exec_in(enforcing, account, network.subnet_ids[0], sys.executable, "-c", LIST_SERVICES,
                     env={"AWS_SECRET_ACCESS_KEY": "wrong"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused InvalidSignatureException"


def test_off_mode_still_accepts_any_key_and_secret(server, account):
    identity = call(server, "sts", account, "anything at all")
    assert identity["Arn"] == f"arn:aws:iam::{account}:root"
    assert call(server, "sts", "AKIAUNKNOWNKEYEXAMPL", "x")["Account"] == "000000000000"


def test_a_bad_root_credentials_entry_stops_the_server_with_a_clear_message():
    with pytest.raises(RuntimeError, match=r"root credentials '2222=AKIAROOT': the account is a 12-digit id") as error:
        RunningServer(extra_args=["--root-credentials", "2222=AKIAROOT:hunter2"]).start()
    assert "hunter2" not in str(error.value)
    with pytest.raises(RuntimeError, match="RUNNERLINK_IAM / --iam is one of off, enforce"):
        RunningServer(extra_env={"RUNNERLINK_IAM": "strict"}).start()
