from __future__ import annotations

import itertools
import time
from importlib.metadata import entry_points

import pytest

from tests.server import RunningServer

# runnerlink's own pytest plugin (runnerlink_server, runnerlink …), loaded by its entry point where runnerlink is
# installed with it; named here for an install that predates the entry point (registering it twice is an error).
PLUGIN = "runnerlink.testing.plugin"
if not any(ep.value == PLUGIN for ep in entry_points(group="pytest11")):
    pytest_plugins = [PLUGIN]

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


# --- scheduling under `-n N --dist loadfile` ----------------------------------------------------------------------

# The files that take longest, longest first (seconds measured under `-n 3 --dist loadfile` on 2 cores). xdist's own
# order puts the files with the most tests first, which leaves these (one to four tests each, mostly waiting on the
# provider's fixed 10 s waiter delays) to start last and run on after everything else has finished. Started first,
# they overlap the many short files instead. Only the order matters; a file missing here keeps xdist's order, after
# these.
SLOWEST_FILES = (
    "tests/e2e/test_terraform_vpc_attributes.py",  # 175
    "tests/e2e/test_terraform_network.py",  # 112
    "tests/e2e/test_terraform_prefix_lists.py",  # 111
    "tests/e2e/test_terraform_vpc_features.py",  # 100
    "tests/e2e/test_terraform_services.py",  # 97
    "tests/e2e/test_terraform.py",  # 97
    "tests/e2e/test_terraform_apps.py",  # 87
    "tests/e2e/test_terraform_iam.py",  # 73
    "tests/e2e/test_terraform_iam_roles.py",  # 64
    "tests/e2e/test_terraform_app_roles.py",  # 60
    "tests/e2e/test_terraform_zones.py",  # 55
    "tests/e2e/test_terraform_audit_source.py",  # 55
    "tests/e2e/test_gateway_terraform.py",
    "tests/e2e/test_pytest_plugin.py",  # 40 alone: pytester runs, one with two xdist workers
    "tests/unit/policy/test_properties.py",  # 33
    "tests/e2e/test_gateway.py",  # 25
)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist's, absent without it
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SlowestFirst(LoadFileScheduling):
        """--dist loadfile, handing out SLOWEST_FILES first, then the rest in xdist's order (most tests first)."""

        def schedule(self):
            if self.collection is not None:
                return super().schedule()  # a later call (new nodes): xdist's handling
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            self.collection = list(next(iter(self.registered_collections.values())))
            if not self.collection:
                return
            units: dict[str, dict[str, bool]] = {}
            for nodeid in self.collection:
                units.setdefault(self._split_scope(nodeid), {})[nodeid] = False
            rank = {path: index for index, path in enumerate(SLOWEST_FILES)}
            for scope in sorted(units, key=lambda scope: (rank.get(scope, len(rank)), -len(units[scope]))):
                self.workqueue[scope] = units[scope]
            # The rest is xdist's: no more workers than files, one file each, then a second one (see _reschedule).
            for _ in range(len(self.nodes) - len(self.workqueue)):
                self.assigned_work.popitem()[0].shutdown()
            for node in self.nodes:
                self._assign_work_unit(node)
            for node in self.nodes:
                self._reschedule(node)
            if not self.workqueue:
                for node in self.nodes:
                    node.shutdown()

        def _reschedule(self, node):
            # A worker runs a test only once it holds the next one (or is told to stop), so xdist hands a worker
            # its next file while it still runs its last test. Behind a slow file that next file waits for
            # minutes: there it is the last file of the queue (few tests, quick), and the slow files go to workers
            # that have nothing slow left to run.
            pending = [path for path, tests in self.assigned_work[node].items() if not all(tests.values())]
            if (self.workqueue and not node.shutting_down and len(self.workqueue) > 1
                    and self._pending_of(self.assigned_work[node]) <= 2 and set(pending) & set(SLOWEST_FILES)
                    and next(reversed(self.workqueue)) not in SLOWEST_FILES):
                self.workqueue.move_to_end(next(reversed(self.workqueue)), last=False)
            super()._reschedule(node)

    return SlowestFirst(config, log)
