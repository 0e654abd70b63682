"""The applications' container credentials endpoint (server/app_credentials.py) in process: the edge served by
uvicorn, read by botocore's own ContainerProvider, with IAM stood in for by a fake of its contract
(services/iam/identity.py's get_role and mint_role_session) over `iam_role` records in the account's global scope.
Through a real server and real IAM: tests/e2e/test_app_instance_role.py."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest
import uvicorn
from botocore.credentials import ContainerProvider
from botocore.exceptions import CredentialRetrievalError
from botocore.utils import ContainerMetadataFetcher

from runnerlink.auth.keys import TEMPORARY, new_access_key_id, new_secret_access_key, new_session_token
from runnerlink.config import Settings
from runnerlink.server.app import EdgeApp
from runnerlink.server.app_credentials import AUTHORIZATION_TOKEN, FULL_URI, REFRESH_BEFORE, InstanceCredentials, \
    edge_url
from runnerlink.services.apprunner.instance_role import TASKS_PRINCIPAL, trusts_app_runner
from runnerlink.store import open_store
from tests.server import free_port

ACCOUNT = "123456789012"
SERVICE_ID = "8fe1e10304f84fd2b0df550fe98a71fa"
SERVICE_ARN = f"arn:aws:apprunner:us-east-1:{ACCOUNT}:service/web/{SERVICE_ID}"


def trust(principal: str = TASKS_PRINCIPAL, condition: dict | None = None) -> str:
    statement: dict = {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


class FakeIdentity:
    """IAM's contract, minimally: roles are the `iam_role` records; each mint is noted (and is a new session)."""

    def __init__(self):
        self.minted: list[tuple[str, str, int, float]] = []

    def get_role(self, tx, name):
        return tx.get("iam_role", name)

    def mint_role_session(self, tx, role_record, session_name, duration_seconds, now, **options):
        self.minted.append((role_record["RoleName"], session_name, duration_seconds, now))
        return {"AccessKeyId": new_access_key_id(ACCOUNT, TEMPORARY), "SecretAccessKey": new_secret_access_key(),
                "SessionToken": new_session_token(), "Expiration": now + duration_seconds}


class Clock:
    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def edge():
    port = free_port()
    settings = Settings(state="memory", port=port)
    app = EdgeApp(settings, open_store("memory"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield app
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def fake():
    return FakeIdentity()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def credentials(edge, fake, clock):
    refusals: list[tuple[str, str]] = []
    edge.credentials = InstanceCredentials(edge.store, edge_url("127.0.0.1", edge.settings.port),
                                           identity=lambda: fake, clock=clock,
                                           on_refused=lambda arn, why: refusals.append((arn, why)))
    edge.credentials.refusals = refusals
    yield edge.credentials
    edge.credentials = None


def put_role(edge, name: str, document: str, account: str = ACCOUNT) -> str:
    arn = f"arn:aws:iam::{account}:role/{name}"
    with edge.store.transaction(f"{account}/global", write=True) as tx:
        tx.put("iam_role", name, {"RoleName": name, "RoleId": "AROAEXAMPLEEXAMPLE123", "Arn": arn, "Path": "/",
                                  "AssumeRolePolicyDocument": document, "MaxSessionDuration": 3600})
    return arn


def service(role_arn: str | None) -> dict:
    instance = {"Cpu": "1024", "Memory": "2048"}
    if role_arn:
        instance["InstanceRoleArn"] = role_arn
    return {"ServiceArn": SERVICE_ARN, "ServiceName": "web", "ServiceId": SERVICE_ID,
            "InstanceConfiguration": instance}


def provider(environ: dict) -> ContainerProvider:
    """botocore's provider as the default chain builds it, without its one-second sleeps between retries."""
    return ContainerProvider(environ=environ, fetcher=ContainerMetadataFetcher(sleep=lambda _: None))


def fetch(uri: str, token: str | None) -> tuple[int, dict]:
    request = urllib.request.Request(uri, headers={"Authorization": token} if token is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_no_instance_role_no_variables(credentials):
    assert credentials.grant(service(None)) == {}


def test_botocores_container_provider_gets_a_session_of_the_role(edge, credentials, fake, clock):
    role = put_role(edge, "app-role", trust())
    env = credentials.grant(service(role))
    assert env[FULL_URI] == f"http://127.0.0.1:{edge.settings.port}/_runnerlink/credentials"
    assert len(env[AUTHORIZATION_TOKEN]) >= 32

    found = provider(env).load()
    assert found.method == "container-role"
    frozen = found.get_frozen_credentials()
    assert frozen.access_key.startswith("ASIA") and frozen.secret_key and frozen.token.startswith("IQoJ")
    # Minted for App Runner with the service id as the session name, for an hour.
    assert fake.minted == [("app-role", SERVICE_ID, 3600, clock.now)]

    status, body = fetch(env[FULL_URI], env[AUTHORIZATION_TOKEN])
    assert status == 200 and set(body) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "RoleArn"}
    assert body["AccessKeyId"] == frozen.access_key and body["RoleArn"] == role
    expires = datetime.strptime(body["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs(expires.timestamp() - (clock.now + 3600)) < 1


def test_the_token_file_variant_works_too(edge, credentials, tmp_path):
    env = credentials.grant(service(put_role(edge, "file-role", trust())))
    token_file = tmp_path / "token"
    token_file.write_text(env[AUTHORIZATION_TOKEN])
    found = provider({FULL_URI: env[FULL_URI], "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file)}).load()
    assert found.get_frozen_credentials().access_key.startswith("ASIA")


def test_a_session_is_kept_until_refresh_before_expiration_then_minted_anew(edge, credentials, fake, clock):
    env = credentials.grant(service(put_role(edge, "kept-role", trust())))
    first = fetch(env[FULL_URI], env[AUTHORIZATION_TOKEN])[1]
    clock.now += 3600 - REFRESH_BEFORE - 60
    assert fetch(env[FULL_URI], env[AUTHORIZATION_TOKEN])[1] == first
    clock.now += 120  # less than REFRESH_BEFORE left (botocore would refresh 15 minutes before expiry)
    second = fetch(env[FULL_URI], env[AUTHORIZATION_TOKEN])[1]
    assert second["AccessKeyId"] != first["AccessKeyId"] and second["Expiration"] > first["Expiration"]
    assert len(fake.minted) == 2


def test_a_role_not_trusting_app_runners_tasks_principal_is_refused_with_a_clear_message(edge, credentials, fake):
    role = put_role(edge, "build-role", trust("build.apprunner.amazonaws.com"))
    env = credentials.grant(service(role))
    status, body = fetch(env[FULL_URI], env[AUTHORIZATION_TOKEN])
    assert status == 403 and body["code"] == "AssumeRoleUnauthorizedAccess"
    assert body["message"] == (f"Error in assuming instance role {role}: its trust policy does not allow the service "
                               f"principal tasks.apprunner.amazonaws.com to call sts:AssumeRole.")
    with pytest.raises(CredentialRetrievalError) as raised:
        provider(env).load()
    assert "tasks.apprunner.amazonaws.com" in str(raised.value)
    assert fake.minted == []
    # Said once in the service's log, not once per retry.
    assert credentials.refusals == [(SERVICE_ARN, body["message"])]


@pytest.mark.parametrize("role_arn, why", [
    ("arn:aws:iam::123456789012:role/missing", "the role does not exist"),
    ("arn:aws:iam::123456789012:role/team/path-role", "the role does not exist"),  # same name, another path
    ("arn:aws:iam::210987654321:role/path-role", "must belong to the service's account 123456789012"),
    ("arn:aws:iam::123456789012:user/someone", "not an IAM role ARN"),
])
def test_missing_other_account_and_wrong_arns_are_refused(edge, credentials, role_arn, why):
    put_role(edge, "path-role", trust())
    env = credentials.grant(service(role_arn))
    status, body = fetch(env[FULL_URI], env[AUTHORIZATION_TOKEN])
    assert status == 403 and why in body["message"] and role_arn in body["message"]


def test_a_trust_policy_changed_to_refuse_stops_the_next_refresh(edge, credentials, clock):
    env = credentials.grant(service(put_role(edge, "changing-role", trust())))
    assert fetch(env[FULL_URI], env[AUTHORIZATION_TOKEN])[0] == 200
    put_role(edge, "changing-role", trust("ec2.amazonaws.com"))
    assert fetch(env[FULL_URI], env[AUTHORIZATION_TOKEN])[0] == 200  # the session in hand is still valid
    clock.now += 3600
    assert fetch(env[FULL_URI], env[AUTHORIZATION_TOKEN])[0] == 403


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_no_or_a_wrong_token_gets_nothing(edge, credentials, fake, token):
    env = credentials.grant(service(put_role(edge, "guarded-role", trust())))
    status, body = fetch(env[FULL_URI], token)
    assert status == 401 and body["code"] == "InvalidToken"
    assert fake.minted == []


def test_each_instance_has_its_own_token_and_a_deleted_service_s_are_revoked(edge, credentials):
    role = put_role(edge, "two-role", trust())
    first, second = credentials.grant(service(role)), credentials.grant(service(role))
    assert first[AUTHORIZATION_TOKEN] != second[AUTHORIZATION_TOKEN]
    assert fetch(first[FULL_URI], first[AUTHORIZATION_TOKEN])[0] == 200
    credentials.revoke(SERVICE_ARN)
    assert fetch(first[FULL_URI], first[AUTHORIZATION_TOKEN])[0] == 401
    assert fetch(second[FULL_URI], second[AUTHORIZATION_TOKEN])[0] == 401


def test_a_stopped_instance_s_token_ends_with_it(edge, credentials):
    role = put_role(edge, "ending-role", trust())
    stopped, running = credentials.grant(service(role)), credentials.grant(service(role))
    credentials.forget(stopped)
    assert fetch(stopped[FULL_URI], stopped[AUTHORIZATION_TOKEN])[0] == 401
    assert fetch(running[FULL_URI], running[AUTHORIZATION_TOKEN])[0] == 200
    credentials.forget({})  # an instance without a role: nothing to end


def test_without_applications_the_endpoint_is_not_there(edge):
    assert edge.credentials is None
    status, body = fetch(f"http://127.0.0.1:{edge.settings.port}/_runnerlink/credentials", "x")
    assert status == 404


# --- the trust decision, pure --------------------------------------------------------------------------------------
ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"


@pytest.mark.parametrize("document, allowed", [
    (trust(), True),
    (trust(["ec2.amazonaws.com", TASKS_PRINCIPAL]), True),
    (trust("build.apprunner.amazonaws.com"), False),
    (trust(condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}), True),
    (trust(condition={"StringEquals": {"aws:SourceAccount": "999999999999"}}), False),
    (trust(condition={"ArnLike": {"aws:SourceArn": f"arn:aws:apprunner:*:{ACCOUNT}:service/web/*"}}), True),
    (trust(condition={"ArnLike": {"aws:SourceArn": f"arn:aws:apprunner:*:{ACCOUNT}:service/api/*"}}), False),
    (json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": TASKS_PRINCIPAL}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}]}), False),
    (json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}),
     False),
    (trust().replace("sts:AssumeRole", "sts:TagSession"), False),
    ("not json", False),
    ("", False),
])
def test_trust_policy_decision(document, allowed):
    assert trusts_app_runner(document, ROLE, SERVICE_ARN, ACCOUNT) is allowed


@pytest.mark.parametrize("host, url", [("127.0.0.1", "http://127.0.0.1:4566"), ("0.0.0.0", "http://127.0.0.1:4566"),
                                       ("localhost", "http://127.0.0.1:4566"), ("::", "http://[::1]:4566")])
def test_edge_url_is_a_loopback_address_botocore_accepts(host, url):
    assert edge_url(host, 4566) == url
