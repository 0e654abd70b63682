from __future__ import annotations

import itertools
import time

import pytest

from tests.server import RunningServer

LIFECYCLE_DELAY = 0.3
_accounts = itertools.count(100000000000)


@pytest.fixture(scope="session")
def server():
    """One shared in-memory server; tests isolate themselves by using an account of their own."""
    running = RunningServer(state="memory", lifecycle_delay=LIFECYCLE_DELAY).start()
    yield running
    running.stop()


@pytest.fixture
def account() -> str:
    """A fresh 12-digit account id: resources are isolated per account, so each test starts empty."""
    return str(next(_accounts))


@pytest.fixture
def apprunner(server, account):
    return server.client("apprunner", account=account)


def wait_for(predicate, timeout: float = 10, interval: float = 0.05):
    """Poll predicate() until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


def settle():
    """Sleep past one lifecycle delay, so asynchronous operations have finished."""
    time.sleep(LIFECYCLE_DELAY + 0.1)


@pytest.fixture
def ec2(server, account):
    return server.client("ec2", account=account)
