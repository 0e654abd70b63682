"""A running service's application gets its instance role (issue 11): with InstanceConfiguration.InstanceRoleArn it
runs with the container credentials variables (no access key of its own), boto3's default chain reads the role's
session from runnerlink's endpoint, and its STS GetCallerIdentity answers the assumed-role session's ARN. A role
whose trust policy doesn't allow tasks.apprunner.amazonaws.com is refused: by CreateService, as on AWS, and by the
endpoint when the trust changes later."""

from __future__ import annotations

import json
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import wait_for
from tests.e2e.app_helpers import FAST_HEALTH, code_source, get_json, wait_settled

TASKS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "tasks.apprunner.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
BUILD_TRUST = TASKS_TRUST.replace("tasks.apprunner", "build.apprunner")

# The app: / answers its health check; /whoami calls STS GetCallerIdentity with boto3's default credential chain
# (a fresh session each time, so each call reads the endpoint's answer anew) and no endpoint_url; /env shows its
# environment.
APP = textwrap.dedent('''\
    import http.server, json, os
    import boto3, botocore.config, botocore.exceptions

    def whoami():
        config = botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=10)
        try:
            identity = boto3.session.Session().client("sts", config=config).get_caller_identity()
            return {"ok": True, "Arn": identity["Arn"], "Account": identity["Account"], "UserId": identity["UserId"]}
        except botocore.exceptions.ClientError as error:
            return {"ok": False, "code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
        except botocore.exceptions.BotoCoreError as error:
            return {"ok": False, "code": type(error).__name__, "message": str(error)}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            answer = whoami() if self.path == "/whoami" else dict(os.environ) if self.path == "/env" else {}
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
''')

APPRUNNER_YAML = textwrap.dedent('''\
    version: 1.0
    runtime: python3
    build:
      commands:
        build:
          - echo built
    run:
      command: python3 server.py
      network:
        port: 8080
''')


def deploy(apprunner, tmp_path: Path, name: str, role_arn: str | None) -> dict:
    directory = tmp_path / name
    directory.mkdir(parents=True)
    (directory / "server.py").write_text(APP)
    (directory / "apprunner.yaml").write_text(APPRUNNER_YAML)
    params = {"InstanceConfiguration": {"InstanceRoleArn": role_arn}} if role_arn else {}
    service = apprunner.create_service(ServiceName=name, SourceConfiguration=code_source(f"file://{directory}"),
                                       HealthCheckConfiguration=FAST_HEALTH, **params)["Service"]
    settled = wait_settled(apprunner, service["ServiceArn"])
    assert settled["Status"] == "RUNNING", settled
    return settled


def fetch(uri: str, token: str | None) -> tuple[int, dict]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(uri, headers={"Authorization": token} if token is not None else {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def make_role(server, account: str, name: str, trust: str) -> str:
    iam = server.client("iam", account=account)
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]
    iam.put_role_policy(RoleName=name, PolicyName="read-services", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "apprunner:List*", "Resource": "*"}]}))
    return role["Arn"]


def test_without_an_instance_role_the_app_has_the_accounts_key_and_no_container_credentials(server, account,
                                                                                           apprunner, tmp_path):
    service = deploy(apprunner, tmp_path, "no-role", None)
    env = get_json(server, service["ServiceUrl"], "/env")
    assert env["AWS_ACCESS_KEY_ID"] == account
    assert not {k for k in env if k.startswith("AWS_CONTAINER_")}


def test_with_an_instance_role_the_app_gets_the_endpoint_and_a_token_not_a_key(server, account, apprunner,
                                                                              tmp_path):
    role = f"arn:aws:iam::{account}:role/app-instance"
    service = deploy(apprunner, tmp_path, "with-role", role)
    env = get_json(server, service["ServiceUrl"], "/env")
    assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == f"{server.url}/_runnerlink/credentials"
    token = env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    assert "AWS_ACCESS_KEY_ID" not in env and "AWS_SECRET_ACCESS_KEY" not in env  # the chain reaches the provider
    assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"]) == ("us-east-1", "us-east-1")
    assert "127.0.0.1" in env["NO_PROXY"].split(",")  # the endpoint is reached directly, not through the gateway
    assert env["HTTPS_PROXY"].startswith("http://wl-")  # AWS calls still go through it

    # DescribeService shows none of it.
    described = apprunner.describe_service(ServiceArn=service["ServiceArn"])["Service"]
    assert token not in json.dumps(described, default=str)
    assert described["InstanceConfiguration"]["InstanceRoleArn"] == role

    # Only the instance's token fetches anything.
    assert fetch(env["AWS_CONTAINER_CREDENTIALS_FULL_URI"], None)[0] == 401
    status, body = fetch(env["AWS_CONTAINER_CREDENTIALS_FULL_URI"], "someone-elses-token")
    assert (status, body["code"]) == (401, "InvalidToken")

    uri = env["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    assert fetch(uri, token)[0] != 401  # known (what it answers is IAM's: the tests below)

    # The token ends with its instance: paused, the instance is stopped; resumed, a new instance has a new token.
    apprunner.pause_service(ServiceArn=service["ServiceArn"])
    wait_settled(apprunner, service["ServiceArn"])
    wait_for(lambda: fetch(uri, token)[0] == 401)
    apprunner.resume_service(ServiceArn=service["ServiceArn"])
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    resumed = get_json(server, service["ServiceUrl"], "/env")["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    assert resumed != token and fetch(uri, resumed)[0] != 401

    # Deleted: no token of the service fetches anything.
    apprunner.delete_service(ServiceArn=service["ServiceArn"])
    wait_settled(apprunner, service["ServiceArn"], timeout=20)
    wait_for(lambda: fetch(uri, resumed)[0] == 401)


def test_the_app_calls_sts_as_its_instance_role_session(server, account, apprunner, tmp_path):
    role = make_role(server, account, "app-instance-role", TASKS_TRUST)
    service = deploy(apprunner, tmp_path, "whoami", role)
    answer = get_json(server, service["ServiceUrl"], "/whoami")
    assert answer["ok"] is True, answer
    assert answer["Arn"] == f"arn:aws:sts::{account}:assumed-role/app-instance-role/{service['ServiceId']}"
    assert answer["Account"] == account
    assert answer["UserId"].startswith("AROA") and answer["UserId"].endswith(f":{service['ServiceId']}")


def test_a_role_not_trusting_app_runners_tasks_principal_is_refused(server, account, apprunner, tmp_path):
    iam = server.client("iam", account=account)
    untrusting = make_role(server, account, "build-only-role", BUILD_TRUST)
    directory = tmp_path / "refused"
    directory.mkdir()
    (directory / "server.py").write_text(APP)
    (directory / "apprunner.yaml").write_text(APPRUNNER_YAML)
    with pytest.raises(apprunner.exceptions.InvalidRequestException) as refused:
        apprunner.create_service(ServiceName="refused", SourceConfiguration=code_source(f"file://{directory}"),
                                 InstanceConfiguration={"InstanceRoleArn": untrusting})
    assert refused.value.response["Error"]["Message"] == f"Error in assuming instance role {untrusting}"

    # A role that stops trusting App Runner after the service was created: its next instance gets no session.
    role = make_role(server, account, "trusted-then-not", TASKS_TRUST)
    service = deploy(apprunner, tmp_path, "later-refused", role)
    iam.update_assume_role_policy(RoleName="trusted-then-not", PolicyDocument=BUILD_TRUST)
    apprunner.pause_service(ServiceArn=service["ServiceArn"])
    wait_settled(apprunner, service["ServiceArn"])
    apprunner.resume_service(ServiceArn=service["ServiceArn"])
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    answer = get_json(server, service["ServiceUrl"], "/whoami")
    assert (answer["ok"], answer["code"]) == (False, "CredentialRetrievalError"), answer
    assert (f"Error in assuming instance role {role}: its trust policy does not allow the service principal "
            f"tasks.apprunner.amazonaws.com to call sts:AssumeRole.") in answer["message"]
