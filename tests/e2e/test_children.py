"""tests/children.py: a suite started with SIGINT ignored (a shell's background job, `bash .ci/run > log &`) still
stops `runnerlink log --follow` with SIGINT, and says what a child that outlives its wait is doing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

from tests.children import popen_interruptible, wait_explained

SHOW_SIGINT = [sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)"]


@contextmanager
def sigint_as(handler):
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def sigint_ignored():
    """This test process as a shell's background job leaves it: SIGINT ignored."""
    return sigint_as(signal.SIG_IGN)


def _ignores_sigint(child: subprocess.Popen) -> bool:
    out, _ = child.communicate(timeout=20)
    return out.strip() == "True"


def test_an_ignored_sigint_is_inherited_by_a_plain_popen():
    """The cause: what the test process ignores, its children ignore (the control for the tests below)."""
    with sigint_ignored():
        assert _ignores_sigint(subprocess.Popen(SHOW_SIGINT, stdout=subprocess.PIPE, text=True))
    with sigint_as(signal.default_int_handler):  # as a suite started in the foreground has it
        assert not _ignores_sigint(subprocess.Popen(SHOW_SIGINT, stdout=subprocess.PIPE, text=True))


def test_popen_interruptible_gives_the_child_the_default_sigint_and_restores_the_ignore():
    with sigint_ignored():
        assert not _ignores_sigint(popen_interruptible(SHOW_SIGINT, stdout=subprocess.PIPE, text=True))
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    before = signal.getsignal(signal.SIGINT)
    assert not _ignores_sigint(popen_interruptible(SHOW_SIGINT, stdout=subprocess.PIPE, text=True))
    assert signal.getsignal(signal.SIGINT) is before


def test_follow_stops_on_sigint_when_the_suite_ignores_it(server):
    """The CI failure of test_app_cli's and test_traffic_log's --follow tests, reproduced by ignoring SIGINT here."""
    with sigint_ignored():
        follower = popen_interruptible([sys.executable, "-m", "runnerlink", "log", "--endpoint-url", server.url,
                                        "--follow", "--limit", "1"],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert follower.stdout.readline()  # running its loop (the header)
        follower.send_signal(signal.SIGINT)
        assert wait_explained(follower, timeout=10) == 0
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()


def test_a_child_that_outlives_its_wait_is_explained():
    with sigint_ignored():
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        with pytest.raises(AssertionError) as raised:
            wait_explained(child, timeout=1)
        message = str(raised.value)
        assert f"child {child.pid}: State=" in message and "SigIgn=" in message and "SigBlk=" in message
        ignored = int(message.split("SigIgn=")[1].split()[0], 16)
        assert ignored & (1 << (signal.SIGINT - 1))  # the report shows why it lives on
        assert "this test process's main thread:" in message
    finally:
        child.kill()
        child.wait()
