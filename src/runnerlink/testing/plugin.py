"""The runnerlink pytest plugin (entry point `pytest11: runnerlink`, active wherever runnerlink is installed).

Fixtures: `runnerlink_server` (session: one server per test process — per xdist worker —, on free ports, memory
store), `runnerlink_server_options` (session: what that server runs with; override it in a conftest.py for further
settings), `runnerlink_seed` (session: the state document tests start from, or None), `runnerlink` (function: a
`Runnerlink` handle, the server emptied — or set to the seed — before the test).
Markers: `runnerlink_keep_state` (no reset before the test), `runnerlink_account("…")` (the handle's account).
Options (command line, then environment, then ini, then default): see pytest_addoption.

This module loads in every pytest run of such an environment, this repository's own suite included: it imports only
the standard library and pytest; servers, boto3 and uvicorn load when a fixture first needs them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from runnerlink.testing.handle import Runnerlink
    from runnerlink.testing.servers import ServerOptions, TestServer

# Kept in step with runnerlink.testing.servers (not imported here: see the module's docstring); a unit test checks.
MODES = ("inprocess", "subprocess", "external")
STORES = ("memory", "sqlite")
DEFAULT_MODE = "inprocess"
DEFAULT_STORE = "memory"
DEFAULT_LIFECYCLE_DELAY = 0.1
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
KEEP_STATE = "runnerlink_keep_state"
ACCOUNT_MARKER = "runnerlink_account"
_HANDLE = pytest.StashKey["Runnerlink"]()
REPORT_ENTRIES = 50  # the latest entries of a failed test's traffic shown under its report


@dataclass(frozen=True)
class _Option:
    name: str  # the ini key; the command-line option is --<name with dashes>
    env: str
    help: str


OPTIONS = (
    _Option("runnerlink_mode", "RUNNERLINK_TEST_MODE",
            f"how the session's server runs: {', '.join(MODES)} (default {DEFAULT_MODE}; external when a URL is "
            "given)"),
    _Option("runnerlink_url", "RUNNERLINK_URL", "the URL of an already running server (the external mode)"),
    _Option("runnerlink_store", "RUNNERLINK_TEST_STORE",
            f"the server's store: {', '.join(STORES)} (sqlite: in a temporary directory; default {DEFAULT_STORE})"),
    _Option("runnerlink_lifecycle_delay", "RUNNERLINK_LIFECYCLE_DELAY",
            f"seconds an asynchronous operation takes (CreateService, a VPC endpoint …; default "
            f"{DEFAULT_LIFECYCLE_DELAY})"),
    _Option("runnerlink_init", "RUNNERLINK_TEST_INIT",
            "a state document (`runnerlink state export`) each test starts from instead of an empty server"),
    _Option("runnerlink_account", "RUNNERLINK_TEST_ACCOUNT",
            f"the 12-digit account of the runnerlink fixture (default {DEFAULT_ACCOUNT})"),
    _Option("runnerlink_region", "RUNNERLINK_TEST_REGION", f"the region of its clients (default {DEFAULT_REGION})"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("runnerlink", "runnerlink (local AWS App Runner and VPC networking)")
    for option in OPTIONS:
        flag = "--" + option.name.replace("_", "-")
        extra: dict[str, Any] = {}
        if option.name == "runnerlink_mode":
            extra["choices"] = MODES
        elif option.name == "runnerlink_store":
            extra["choices"] = STORES
        elif option.name == "runnerlink_lifecycle_delay":
            extra["type"] = float
            extra["metavar"] = "SECONDS"
        group.addoption(flag, dest=option.name, default=None, help=f"{option.help} [env {option.env}, ini "
                                                                    f"{option.name}]", **extra)
        parser.addini(option.name, option.help, default=None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{KEEP_STATE}: the runnerlink fixture does not reset the server before "
                                       "this test (it sees what earlier tests left)")
    config.addinivalue_line("markers", f"{ACCOUNT_MARKER}(account_id): the runnerlink fixture's account in this "
                                       "test")
    _settings(config)  # a bad value from the environment or the ini file is a usage error before any test runs


@dataclass(frozen=True)
class PluginSettings:
    mode: str
    url: str | None
    store: str
    lifecycle_delay: float
    account: str
    region: str
    init: str | None


def _value(config: pytest.Config, name: str) -> str | None:
    option = next(o for o in OPTIONS if o.name == name)
    given = config.getoption(name, default=None)
    if given is not None:
        return str(given)
    if os.environ.get(option.env):
        return os.environ[option.env]
    ini = config.getini(name)
    return str(ini) if ini not in (None, "", []) else None


def _settings(config: pytest.Config) -> PluginSettings:
    cached = getattr(config, "_runnerlink_settings", None)
    if cached is not None:
        return cached
    url = _value(config, "runnerlink_url")
    mode = _value(config, "runnerlink_mode") or ("external" if url else DEFAULT_MODE)
    store = _value(config, "runnerlink_store") or DEFAULT_STORE
    delay_text = _value(config, "runnerlink_lifecycle_delay")
    account = _value(config, "runnerlink_account") or DEFAULT_ACCOUNT
    region = _value(config, "runnerlink_region") or DEFAULT_REGION
    init = _value(config, "runnerlink_init")
    if mode not in MODES:
        raise pytest.UsageError(f"runnerlink: the mode is one of {', '.join(MODES)}, not {mode!r}")
    if store not in STORES:
        raise pytest.UsageError(f"runnerlink: the store is one of {', '.join(STORES)}, not {store!r}")
    if mode == "external" and not url:
        raise pytest.UsageError("runnerlink: the external mode needs the server's URL (--runnerlink-url or "
                                "RUNNERLINK_URL)")
    try:
        delay = DEFAULT_LIFECYCLE_DELAY if delay_text is None else float(delay_text)
    except ValueError:
        delay = -1.0
    if delay < 0:
        raise pytest.UsageError(f"runnerlink: the lifecycle delay is a number of seconds ≥ 0, not {delay_text!r}")
    if not (account.isdigit() and len(account) == 12):
        raise pytest.UsageError(f"runnerlink: the account is a 12-digit AWS account id, not {account!r}")
    if init is not None and mode == "external":
        raise pytest.UsageError("runnerlink: an external server is seeded by its own `runnerlink serve --init`; "
                                "--runnerlink-init is for the servers the plugin starts")
    if init is not None and not os.path.isfile(init):
        raise pytest.UsageError(f"runnerlink: the state document {init} is not a file")
    settings = PluginSettings(mode, url, store, delay, account, region, init)
    config._runnerlink_settings = settings  # type: ignore[attr-defined]
    return settings


def _worker_number(config: pytest.Config) -> int | None:
    """pytest-xdist's worker number (gw3 → 3), None outside a worker."""
    worker = getattr(config, "workerinput", {}).get("workerid", "")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else None


def worker_account(account: str, worker: int | None) -> str:
    """The account an xdist worker's tests act in on a shared (external) server: one of its own, next to the
    configured one (gw0 → account + 1); the configured one outside xdist."""
    if worker is None:
        return account
    return f"{(int(account) + 1 + worker) % 10 ** 12:012d}"


@pytest.fixture(scope="session")
def runnerlink_server_options(pytestconfig: pytest.Config) -> "ServerOptions":
    """What the session's server runs with (from the options). Override it in a conftest.py for server settings
    the options don't cover, e.g. `ServerOptions(settings={"iam": "enforce"})`."""
    from runnerlink.testing.servers import ServerOptions

    settings = _settings(pytestconfig)
    return ServerOptions(store=settings.store, lifecycle_delay=settings.lifecycle_delay, region=settings.region)


@pytest.fixture(scope="session")
def runnerlink_server(pytestconfig: pytest.Config, runnerlink_server_options: "ServerOptions"
                      ) -> Iterator["TestServer"]:
    """The session's server (one per xdist worker): started on first use, stopped at the end of the session.
    External: the server at --runnerlink-url, left running."""
    from runnerlink.testing.servers import start_server

    settings = _settings(pytestconfig)
    server = start_server(settings.mode, runnerlink_server_options, url=settings.url)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def runnerlink_seed(pytestconfig: pytest.Config) -> dict | None:
    """The state document each test starts from (--runnerlink-init), read once; None: an empty server."""
    import json

    init = _settings(pytestconfig).init
    if init is None:
        return None
    with open(init, encoding="utf-8") as file:
        try:
            return json.load(file)
        except ValueError as error:
            raise pytest.UsageError(f"runnerlink: {init} is not JSON: {error}") from None


@pytest.fixture
def runnerlink(request: pytest.FixtureRequest, runnerlink_server: "TestServer", runnerlink_seed: dict | None
               ) -> "Runnerlink":
    """A handle on the session's server for this test, which starts on an empty server — or the --runnerlink-init
    state — unless marked runnerlink_keep_state. An external server may be shared, so there only the test's account
    is emptied — and under xdist each worker acts in an account of its own."""
    from runnerlink.testing.handle import Runnerlink

    settings = _settings(request.config)
    account = settings.account
    marker = request.node.get_closest_marker(ACCOUNT_MARKER)
    if marker is not None:
        if len(marker.args) != 1 or not str(marker.args[0]).isdigit() or len(str(marker.args[0])) != 12:
            raise pytest.UsageError(f"{request.node.nodeid}: @pytest.mark.{ACCOUNT_MARKER} takes one 12-digit "
                                    "account id")
        account = str(marker.args[0])
    elif runnerlink_server.mode == "external":
        account = worker_account(account, _worker_number(request.config))
    handle = Runnerlink(runnerlink_server, account, settings.region)
    if request.node.get_closest_marker(KEEP_STATE) is None:
        if runnerlink_server.mode == "external":
            handle.reset(account=account)
        else:
            handle.reset()
            if runnerlink_seed is not None:
                handle.import_state(runnerlink_seed)
    handle.mark_traffic()
    request.node.stash[_HANDLE] = handle
    return handle


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """A failed test that used the runnerlink fixture gets a section with its requests as `runnerlink log` shows
    them: what each did, by which path, the decision and the status."""
    report = yield
    handle = item.stash.get(_HANDLE, None)
    if handle is not None and report.when == "call" and report.failed:
        report.sections.append(("runnerlink traffic", _traffic_section(handle)))
    return report


def _traffic_section(handle: "Runnerlink") -> str:
    from runnerlink.traffic_text import table

    try:
        entries = handle.traffic(all_accounts=True, limit=10_000)
    except Exception as error:  # the report of the test's own failure matters more than this section
        return f"(the traffic log could not be read: {error})"
    if not entries:
        return "(no requests)"
    shown = entries[-REPORT_ENTRIES:]
    skipped = f"({len(entries) - len(shown)} earlier requests not shown)\n" if len(shown) < len(entries) else ""
    return skipped + "\n".join(table(shown))
