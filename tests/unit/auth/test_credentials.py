"""Access key → principal in both modes, with root credentials and keys an identity source (a fake of IAM's) issued;
in enforce mode the signature, token and expiry checks, and the cache that spares a store transaction per request."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from runnerlink.auth.credentials import Credentials, parse_root_credentials
from runnerlink.auth.identity import ASSUMED_ROLE, USER, Principal
from runnerlink.auth.keys import TEMPORARY, new_access_key_id
from runnerlink.auth.refusals import BAD_SIGNATURE, EXPIRED_TOKEN, UNKNOWN_KEY, Refused
from runnerlink.auth.sigv4 import parse_authorization
from runnerlink.config import DEFAULT_ACCOUNT
from runnerlink.store import open_store
from tests.unit.auth.signing import botocore_signed

ACCOUNT = "111122223333"
STS = dict(method="POST", url="http://127.0.0.1:4566/", body=b"Action=GetCallerIdentity&Version=2011-06-15",
           service="sts", headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


class FakeIdentity:
    """Stands in for services/iam/identity.py: the principals of issued keys, and how often it was asked."""

    def __init__(self, principals: list[Principal]):
        self.principals = {principal.access_key: principal for principal in principals}
        self.calls: list[tuple[str, str]] = []

    def resolve(self, tx, access_key: str) -> Principal | None:
        self.calls.append((tx.scope if hasattr(tx, "scope") else "?", access_key))
        return self.principals.get(access_key)


def user(key: str | None = None, secret: str = "user-secret", **changes) -> Principal:
    key = key or new_access_key_id(ACCOUNT)
    return replace(Principal(account=ACCOUNT, arn=f"arn:aws:iam::{ACCOUNT}:user/alice", access_key=key, kind=USER,
                             user_id="AIDAEXAMPLEEXAMPLE123", name="alice", secret=secret), **changes)


def session(**changes) -> Principal:
    key = new_access_key_id(ACCOUNT, TEMPORARY)
    return replace(Principal(account=ACCOUNT, arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/s1", access_key=key,
                             kind=ASSUMED_ROLE, user_id="AROAEXAMPLEEXAMPLE12:s1", name="deployer",
                             session_name="s1", secret="session-secret", session_token="the-token",
                             expires_at=time.time() + 3600), **changes)


def authenticate(credentials: Credentials, key: str, secret: str, token: str | None = None,
                 now: float | None = None, **case):
    received = botocore_signed(**{**STS, **case}, key=key, secret=secret, token=token)
    credential = parse_authorization(received.headers.get("authorization"), received.query)
    return credentials.authenticate(credential, received.method, received.path, received.query_string,
                                    received.headers, received.query, received.body,
                                    time.time() if now is None else now).principal


@pytest.fixture
def store():
    return open_store("memory")


def refused(kind: str, call, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as error:
        call(*args, **kwargs)
    assert error.value.kind == kind
    return error.value


# --- root credentials settings ---------------------------------------------------------------------------------------
def test_root_credentials_are_parsed():
    roots = parse_root_credentials(["111122223333=AKIAROOT:s3cret:with:colons", " 444455556666=ROOTKEY2:x "])
    assert roots["AKIAROOT"].account == ACCOUNT and roots["AKIAROOT"].secret == "s3cret:with:colons"
    assert roots["ROOTKEY2"].arn == "arn:aws:iam::444455556666:root"


@pytest.mark.parametrize("entry, message", [
    ("111122223333", "ACCOUNT=ACCESS_KEY_ID:SECRET"),
    ("1111=KEY:secret", "12-digit"),
    ("111122223333=K:secret", "3 to 128"),
    ("111122223333=AKIAROOT:", "secret is empty"),
    ("111122223333=444455556666:x", "names its own account"),
])
def test_bad_root_credentials_are_refused_clearly(entry, message):
    with pytest.raises(ValueError, match=message):
        parse_root_credentials([entry])


def test_errors_never_show_the_secret():
    with pytest.raises(ValueError) as error:
        parse_root_credentials(["1111=AKIAROOT:hunter2"])
    assert "hunter2" not in str(error.value)


def test_two_root_keys_for_one_account_are_refused():
    with pytest.raises(ValueError, match="already has root credentials"):
        parse_root_credentials(["111122223333=AKIAONE:a", "111122223333=AKIATWO:b"])


# --- off mode --------------------------------------------------------------------------------------------------------
def test_off_mode_accepts_anything(store):
    issued = session()
    identity = FakeIdentity([issued])
    credentials = Credentials("off", ("444455556666=AKIAROOT:secret",), store, identity)
    assert authenticate(credentials, ACCOUNT, "anything").arn == f"arn:aws:iam::{ACCOUNT}:root"
    assert authenticate(credentials, "whatever", "x").arn == f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"
    assert authenticate(credentials, "AKIAROOT", "wrong").account == "444455556666"
    # An issued key is its principal (AssumeRole's keys act as the session), signature or not.
    assert authenticate(credentials, issued.access_key, "wrong").arn == issued.arn
    assert identity.calls[-1][1] == issued.access_key


# --- enforce mode ----------------------------------------------------------------------------------------------------
def test_enforce_mode_roots(store):
    credentials = Credentials("enforce", ("444455556666=AKIAROOTKEY:root-secret",), store)
    assert authenticate(credentials, "AKIAROOTKEY", "root-secret").arn == "arn:aws:iam::444455556666:root"
    refused(BAD_SIGNATURE, authenticate, credentials, "AKIAROOTKEY", "wrong")
    # 12-digit key ids: the account's root with secret "test", unless the account has configured root credentials.
    assert authenticate(credentials, ACCOUNT, "test").account == ACCOUNT
    refused(BAD_SIGNATURE, authenticate, credentials, ACCOUNT, "other")
    refused(UNKNOWN_KEY, authenticate, credentials, "444455556666", "test")
    # "test"/"test": the default account's root.
    assert authenticate(credentials, "test", "test").account == DEFAULT_ACCOUNT
    refused(UNKNOWN_KEY, authenticate, credentials, "AKIANOBODYKNOWS12345", "x")


def test_test_key_is_off_once_the_default_account_has_root_credentials(store):
    credentials = Credentials("enforce", (f"{DEFAULT_ACCOUNT}=AKIADEFAULTROOT:s",), store)
    refused(UNKNOWN_KEY, authenticate, credentials, "test", "test")
    refused(UNKNOWN_KEY, authenticate, credentials, DEFAULT_ACCOUNT, "test")


def test_enforce_mode_issued_keys(store):
    alice, inactive, role_session = user(), user(active=False), session()
    expired = session(expires_at=time.time() - 1)
    credentials = Credentials("enforce", (), store, FakeIdentity([alice, inactive, role_session, expired]))
    assert authenticate(credentials, alice.access_key, "user-secret") == alice
    refused(BAD_SIGNATURE, authenticate, credentials, alice.access_key, "nope")
    refused(UNKNOWN_KEY, authenticate, credentials, inactive.access_key, "user-secret")
    # A long-term key with a session token, a session key without its token or with another one.
    refused(UNKNOWN_KEY, authenticate, credentials, alice.access_key, "user-secret", token="the-token")
    assert authenticate(credentials, role_session.access_key, "session-secret", token="the-token") == role_session
    refused(UNKNOWN_KEY, authenticate, credentials, role_session.access_key, "session-secret")
    refused(UNKNOWN_KEY, authenticate, credentials, role_session.access_key, "session-secret", token="other")
    refused(EXPIRED_TOKEN, authenticate, credentials, expired.access_key, "session-secret", token="the-token")
    # A session ages out while it is cached.
    short = session(expires_at=time.time() + 60)
    credentials = Credentials("enforce", (), store, FakeIdentity([short]))
    assert authenticate(credentials, short.access_key, "session-secret", token="the-token") == short
    refused(EXPIRED_TOKEN, authenticate, credentials, short.access_key, "session-secret", token="the-token",
            now=short.expires_at + 1)


def test_resolutions_are_cached_until_the_store_changes(store):
    alice = user()
    identity = FakeIdentity([alice])
    credentials = Credentials("enforce", (), store, identity)
    for _ in range(5):
        authenticate(credentials, alice.access_key, "user-secret")
    assert [key for _, key in identity.calls] == [alice.access_key]
    # A write anywhere (CreateAccessKey, UpdateAccessKey, DeleteAccessKey …) moves the generation.
    with store.transaction(f"{ACCOUNT}/global", write=True) as tx:
        tx.put("anything", "x", {"x": 1})
    identity.principals[alice.access_key] = replace(alice, active=False)
    refused(UNKNOWN_KEY, authenticate, credentials, alice.access_key, "user-secret")
    assert len(identity.calls) == 2
    # Only AWS-format keys are looked up, in their own account's global scope.
    refused(UNKNOWN_KEY, authenticate, credentials, "NOTAKEY", "x")
    assert len(identity.calls) == 2
