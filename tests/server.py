"""Starting and stopping real `runnerlink serve` processes for the tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

from runnerlink.testing.servers import InProcessServer as _InProcess, ServerOptions


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningServer:
    """A `runnerlink serve` child process on a free port."""

    def __init__(self, state: str | Path = "memory", lifecycle_delay: float = 0.3, port: int | None = None,
                 extra_env: dict | None = None, gateway_port: int | None = None, extra_args: list[str] | None = None):
        self.state = str(state)
        self.lifecycle_delay = lifecycle_delay
        self.port = port or free_port()
        self.gateway_port = gateway_port or free_port()  # never the default 4567: test servers run side by side
        # No test may depend on a container engine the machine happens to have: image services run only through
        # --image stand-ins unless a test asks for an engine.
        self.extra_env = {"RUNNERLINK_CONTAINER_ENGINE": "none", **(extra_env or {})}
        self.extra_args = list(extra_args or [])
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15) -> "RunningServer":
        env = {**os.environ, **self.extra_env}
        # The server's output goes to a file: an undrained pipe would block the server once it filled up.
        self.log = tempfile.NamedTemporaryFile(prefix="runnerlink-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "runnerlink", "serve", "--port", str(self.port), "--state", self.state,
             "--gateway-port", str(self.gateway_port),
             "--lifecycle-delay", str(self.lifecycle_delay), *self.extra_args],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"runnerlink exited early: {self.output()}")
            try:
                self.health()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("runnerlink did not start in time")

    def output(self) -> str:
        """What the server has printed so far."""
        return Path(self.log.name).read_text(errors="replace")

    def health(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/_runnerlink/health", timeout=2) as response:
            return json.load(response)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 10) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode

    def client(self, service: str = "apprunner", account: str = "111122223333", region: str = "us-east-1"):
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=account,
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}),
        )

    def post_admin(self, path: str, payload: dict) -> dict:
        request = urllib.request.Request(f"{self.url}/_runnerlink/{path}", data=json.dumps(payload).encode(),
                                         method="POST", headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)


class InProcessServer(_InProcess):
    """A server of a test's own in this process (runnerlink.testing's, the pytest plugin's fast mode) with
    RunningServer's helpers: for tests that want other settings (enforce mode, a long lifecycle delay) or an empty
    server, not the process itself (serve, restarts, signals stay with RunningServer). settings: by Settings name."""

    def __init__(self, state: str | Path = "memory", lifecycle_delay: float = 0.3, **settings):
        store = "memory" if str(state) == "memory" else "sqlite"
        super().__init__(ServerOptions(store=store, lifecycle_delay=lifecycle_delay,
                                       state_dir=None if store == "memory" else state,
                                       settings=settings))

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    client = RunningServer.client
    post_admin = RunningServer.post_admin
