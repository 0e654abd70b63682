"""Child processes that tests stop with Ctrl-C's signal: started so that SIGINT reaches them whatever this test
process inherited, and, when one does not exit in time, an account of what it is doing.

A signal ignored at exec stays ignored in the new program, and Python then installs no KeyboardInterrupt handler.
A shell ignores SIGINT (and SIGQUIT) for every command it starts in the background without job control (`bash
.ci/run > log 2>&1 &`), so a suite run that way passes SIG_IGN to each xdist worker and, through Popen, to every child:
`runnerlink log --follow` then never sees the test's SIGINT (`runnerlink serve` does: uvicorn installs its own handler).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

STATUS_FIELDS = ("State", "Threads", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt")


def signal_masks(pid: int | str, tid: int | None = None) -> str:
    """`State=S SigBlk=… SigIgn=…` of a process (or one of its threads) from /proc."""
    path = Path(f"/proc/{pid}/task/{tid}/status") if tid is not None else Path(f"/proc/{pid}/status")
    try:
        lines = path.read_text().splitlines()
    except OSError as error:
        return f"({path}: {error})"
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return " ".join(f"{name}={fields[name].strip()}" for name in STATUS_FIELDS if name in fields)


def child_report(process: subprocess.Popen) -> str:
    """A multi-line account of a child that is still running."""
    pid = process.pid
    lines = [f"child {pid}: {signal_masks(pid)}"]
    try:
        tids = sorted(int(t.name) for t in Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        tids = []
    for tid in tids:
        if tid != pid:
            lines.append(f"  thread {tid}: {signal_masks(pid, tid)}")
    lines.append(f"this test process's main thread: {signal_masks('self', threading.main_thread().native_id)}")
    py_spy = shutil.which("py-spy")
    if py_spy:
        try:
            dump = subprocess.run([py_spy, "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=20)
            lines.append(dump.stdout + dump.stderr)
        except (OSError, subprocess.TimeoutExpired) as error:
            lines.append(f"(py-spy dump: {error})")
    else:
        lines.append("(no py-spy here for the child's stacks)")
    return "\n".join(lines)


def wait_explained(process: subprocess.Popen, timeout: float) -> int:
    """process.wait(timeout), or an AssertionError that says what the child was doing when the time was up."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the child did not exit within {timeout} s\n{child_report(process)}") from None


def popen_interruptible(argv: list[str], **kwargs: Any) -> subprocess.Popen:
    """subprocess.Popen(argv, **kwargs) with SIGINT at its default in the child (Python's KeyboardInterrupt), also when
    this process ignores it. For the length of the call this process takes SIGINT as Python does by default (exec
    resets a caught signal, not an ignored one); no preexec_fn, which is unsafe with the threads a test process has."""
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        return subprocess.Popen(argv, **kwargs)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(argv, **kwargs)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
