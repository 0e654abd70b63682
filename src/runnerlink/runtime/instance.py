"""Processes of a deployment: its build commands, and its instance (the running application), with their output in
the service's logs."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import IO, Callable, Mapping, Sequence

from runnerlink.runtime import orphans
from runnerlink.runtime.logs import APPLICATION, BUILD, ServiceLog

STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL, as a container engine's stop


def run_logged(argv: Sequence[str], cwd: Path, env: Mapping[str, str], log: ServiceLog, deployment: str,
               timeout: float) -> int:
    """Run a build step to its end with its output in the deployment log; its exit status (124 on timeout)."""
    process = subprocess.Popen(list(argv), cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    pump = _pump(process.stdout, log, BUILD, deployment)
    try:
        status = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        status = 124
    pump.join(timeout=STOP_GRACE)
    return status


class Instance:
    """One running copy of a deployment listening on 127.0.0.1:port; its output goes to the application log."""

    def __init__(self, argv: Sequence[str], cwd: Path, env: Mapping[str, str], port: int, log: ServiceLog,
                 deployment: str, stop_argv: Sequence[str] | None = None, apps_dir: Path | None = None):
        """apps_dir: where the instance is noted while it runs, for a later server to end it should this one die."""
        self.port = port
        self.deployment = deployment
        self._stop_argv = list(stop_argv) if stop_argv else None
        self._stopped = threading.Event()
        self.on_stop: Callable[[], None] | None = None  # what ends with the instance (its credentials token …)
        self.process = subprocess.Popen(list(argv), cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self._noted = orphans.note(apps_dir, self.process.pid) if apps_dir is not None else None
        self._pump = _pump(self.process.stdout, log, APPLICATION, deployment)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    @property
    def stopped(self) -> bool:
        """Stopped on purpose (not exited by itself)."""
        return self._stopped.is_set()

    def stop(self) -> None:
        self._stopped.set()
        if self._stop_argv and self.alive:  # a container: its engine stops it
            subprocess.run(self._stop_argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=STOP_GRACE * 3, check=False)
        _kill_group(self.process)
        if self._noted is not None:
            orphans.forget(self._noted)
        if self.on_stop is not None:
            on_stop, self.on_stop = self.on_stop, None
            on_stop()
        self._pump.join(timeout=STOP_GRACE)


def _kill_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process and what it started, then SIGKILL after the grace period."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, STOP_GRACE)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _pump(stream: IO[bytes] | None, log: ServiceLog, kind: str, deployment: str) -> threading.Thread:
    def copy() -> None:
        assert stream is not None
        for raw in iter(stream.readline, b""):
            log.write(kind, raw.decode("utf-8", errors="replace").rstrip("\r\n"), deployment)
        stream.close()

    thread = threading.Thread(target=copy, name=f"runnerlink-log-{deployment[:8]}", daemon=True)
    thread.start()
    return thread
