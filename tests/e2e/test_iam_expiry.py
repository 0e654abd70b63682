"""Temporary credentials expire, through real servers: a role session minted by one `runnerlink serve --iam enforce`
works, and the same state directory served by a server whose clock is 16 minutes later (a test-only sitecustomize
shifts time.time in that process) refuses it with each service's expired-token error — while a long-term key still
works there. The client signs with the shifted clock too, so the refusal is the session's age, not clock skew."""

from __future__ import annotations

import datetime
import json
import textwrap

import boto3
import botocore.auth
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from runnerlink.auth.keys import new_access_key_id
from tests.server import RunningServer

ACCOUNT = "135792468013"
ROOT_KEY = new_access_key_id(ACCOUNT)
ROOT_SECRET = "root-secret-of-the-expiry-test"
SHIFT = 16 * 60  # past a 15-minute session (DurationSeconds=900, STS's least)
SHIFT_CLOCK = textwrap.dedent(f"""\
    import time
    _real = time.time
    time.time = lambda: _real() + {SHIFT}
""")


def client(server, service: str, key: str, secret: str, token: str | None = None):
    return boto3.client(service, endpoint_url=server.url, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token,
                        config=Config(retries={"max_attempts": 1}))


def server_on(state, extra_env: dict | None = None) -> RunningServer:
    return RunningServer(state=state, extra_env=extra_env,
                         extra_args=["--iam", "enforce", "--root-credentials", f"{ACCOUNT}={ROOT_KEY}:{ROOT_SECRET}"])


def test_a_role_session_expires(tmp_path, monkeypatch):
    state = tmp_path / "state"
    first = server_on(state).start()
    try:
        iam = client(first, "iam", ROOT_KEY, ROOT_SECRET)
        role = iam.create_role(RoleName="short-lived", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                                    "Action": "sts:AssumeRole"}]}))["Role"]
        iam.put_role_policy(RoleName="short-lived", PolicyName="list", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "apprunner:List*", "Resource": "*"}]}))
        credentials = client(first, "sts", ROOT_KEY, ROOT_SECRET).assume_role(
            RoleArn=role["Arn"], RoleSessionName="brief", DurationSeconds=900)["Credentials"]
        session = (credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
        assert client(first, "apprunner", *session).list_services()["ServiceSummaryList"] == []
    finally:
        first.stop()

    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SHIFT_CLOCK)
    later = server_on(state, {"PYTHONPATH": str(shim)}).start()
    real_now = botocore.auth.get_current_datetime
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda: real_now() + datetime.timedelta(seconds=SHIFT))
    try:
        for service, call, expected in (
                ("sts", lambda c: c.get_caller_identity(), ("ExpiredToken", 403)),
                ("apprunner", lambda c: c.list_services(), ("ExpiredTokenException", 403))):
            with pytest.raises(ClientError) as refused:
                call(client(later, service, *session))
            error = refused.value.response
            assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == expected, error
        # The root key has no expiry: the later server still answers it, at its own (shifted) time.
        assert client(later, "sts", ROOT_KEY, ROOT_SECRET).get_caller_identity()["Account"] == ACCOUNT
    finally:
        later.stop()
