"""runnerlink servers for tests: in this process (the edge app served by uvicorn in a thread), as a child process
(`python -m runnerlink serve`), or one already running (its URL).

In-process is the default of the pytest plugin: it starts in a fraction of the time a child takes (no interpreter
and imports to start) and answers as fast (figures in the plugin's docs). A child is what a test of the real
process wants (signals, restarts) and what isolates the server from a test process's threads; external is a CI
service or a server a developer keeps running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

MODES = ("inprocess", "subprocess", "external")
STORES = ("memory", "sqlite")
DEFAULT_MODE = "inprocess"
DEFAULT_LIFECYCLE_DELAY = 0.1  # seconds: long enough to see OPERATION_IN_PROGRESS / pending, short for a test
START_TIMEOUT = 20.0


class ServerError(RuntimeError):
    """A server that would not start, or is not there."""


@dataclass(frozen=True)
class ServerOptions:
    """What a test server runs with. settings: further server settings by their Settings name (iam="enforce",
    vpc_quota=20, container_engine="docker" …); a child process receives them as RUNNERLINK_* variables."""

    store: str = "memory"
    lifecycle_delay: float = DEFAULT_LIFECYCLE_DELAY
    region: str = "us-east-1"
    state_dir: str | Path | None = None  # for store="sqlite": default a temporary directory, removed at stop
    # What runs image services: "none" unless told, so a test never depends on (or waits for) a container engine the
    # machine happens to have; "auto", "docker" or "podman" to run them.
    container_engine: str = "none"
    settings: dict[str, Any] = field(default_factory=dict)

    def server_settings(self) -> dict[str, Any]:
        """settings, with the container engine."""
        return {"container_engine": self.container_engine, **self.settings}

    def __post_init__(self) -> None:
        if self.store not in STORES:
            raise ValueError(f"store is one of {', '.join(STORES)}, not {self.store!r}")
        if self.lifecycle_delay < 0:
            raise ValueError(f"lifecycle_delay is a number of seconds ≥ 0, not {self.lifecycle_delay}")


class TestServer:
    """A running server: its edge URL, how it runs, and stop()."""

    __test__ = False  # not a test class, whatever pytest's python_classes say
    mode: str = ""
    url: str = ""

    def health(self) -> dict:
        return _get_json(f"{self.url}/_runnerlink/health")

    def stop(self) -> None:
        """Stop the server (an external one is left running)."""

    def __enter__(self) -> "TestServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<runnerlink {self.mode} server {self.url}>"


def start_server(mode: str = DEFAULT_MODE, options: ServerOptions | None = None, url: str | None = None
                 ) -> TestServer:
    """A started server of that mode (url: the external server's)."""
    options = options or ServerOptions()
    if mode == "inprocess":
        return InProcessServer(options).start()
    if mode == "subprocess":
        return SubprocessServer(options).start()
    if mode == "external":
        if not url:
            raise ServerError("the external mode needs the server's URL (--runnerlink-url / RUNNERLINK_URL)")
        return ExternalServer(url).start()
    raise ValueError(f"mode is one of {', '.join(MODES)}, not {mode!r}")


# --- in this process --------------------------------------------------------------------------------------------------

class InProcessServer(TestServer):
    """EdgeApp with its subnet gateway and supervisor, served by uvicorn in a daemon thread with its own event loop
    (uvicorn installs no signal handlers outside the main thread). The edge listens on a socket bound here to a free
    port before the app is built (the app's settings name its own port); the gateway takes a free port itself."""

    mode = "inprocess"

    def __init__(self, options: ServerOptions):
        self.options = options
        self._temp: str | None = None
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self._sock: socket.socket | None = None  # the edge's listening socket (asyncio's loop serves it as is)
        self._exit_status: int | str | None = None  # uvicorn's, when its startup failed
        self.app: Any = None  # the EdgeApp, for tests that look inside

    def start(self, timeout: float = START_TIMEOUT) -> "InProcessServer":
        import uvicorn

        from runnerlink.server.app import EdgeApp
        from runnerlink.server.serving import check_settings, uvicorn_options

        self._sock = sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            self.url = f"http://127.0.0.1:{port}"
            settings = self._settings(port)
            try:
                check_settings(settings)  # what `runnerlink serve` would refuse
            except ValueError as error:
                raise ServerError(f"runnerlink cannot start with these settings: {error}") from None
            self.app = EdgeApp(settings, gateway=True)
            # log_config=None: uvicorn leaves the process's logging configuration alone (its records reach the
            # root logger, where pytest captures them).
            config = uvicorn.Config(self.app, **{**uvicorn_options(self.app), "log_config": None})
            self._server = server = uvicorn.Server(config)
            self._thread = threading.Thread(target=self._serve, args=(server, sock), daemon=True,
                                            name=f"runnerlink-{port}")
            self._thread.start()
            deadline = time.monotonic() + timeout
            while not server.started:
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    why = "the app's startup failed" if self._exit_status else f"not within {timeout} s"
                    raise ServerError(f"the in-process runnerlink server did not start: {why} (uvicorn's log is in "
                                      "the test's captured output)")
                time.sleep(0.005)
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, server: Any, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except SystemExit as exit:  # uvicorn's answer to a failed lifespan startup, not this process's exit
            self._exit_status = exit.code

    def _settings(self, port: int):
        from runnerlink.config import Settings

        options = self.options
        if options.store == "sqlite":
            state = options.state_dir or self._make_temp()
        else:
            state = "memory"
        # Not Settings.from_env: RUNNERLINK_* variables of the test process are for servers it starts as children.
        return replace(Settings(**options.server_settings()), host="127.0.0.1", port=port, gateway_port=0,
                       state=str(state), region=options.region, lifecycle_delay=options.lifecycle_delay)

    def _make_temp(self) -> str:
        self._temp = tempfile.mkdtemp(prefix="runnerlink-test-state-")
        return self._temp

    @property
    def gateway_port(self) -> int | None:
        gateway = self.app.gateway if self.app is not None else None
        return gateway.port if gateway is not None else None

    def stop(self, timeout: float = 15) -> None:
        """uvicorn's shutdown runs the app's lifespan end: supervisor, gateway, traffic log and store close."""
        if self.app is not None:
            self.app.streams.stop_soon()  # open event streams end first: uvicorn waits for open answers
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout / 2)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True  # a connection that won't finish: uvicorn stops waiting for it
                self._thread.join(timeout / 2)
            self._thread = None
        if self.app is not None and (self._server is None or not self._server.started):
            # Built but never served (a failed start): no lifespan end closes what the app opened.
            self.app.pipeline.traffic.close()
            self.app.store.close()
            self.app = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._temp:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None


# --- a child process --------------------------------------------------------------------------------------------------

class SubprocessServer(TestServer):
    """`python -m runnerlink serve` on free ports, its output in a file (an undrained pipe would block it)."""

    mode = "subprocess"

    def __init__(self, options: ServerOptions, env: dict[str, str] | None = None):
        self.options = options
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None
        self._temp: str | None = None
        self.gateway_port: int | None = None

    def start(self, timeout: float = START_TIMEOUT, attempts: int = 3) -> "SubprocessServer":
        options = self.options
        if options.store == "sqlite":
            state = str(options.state_dir or self._make_temp())
        else:
            state = "memory"
        for attempt in range(attempts):  # a free port taken by someone else before the child binds it: again
            port, self.gateway_port = free_port(), free_port()
            self.url = f"http://127.0.0.1:{port}"
            try:
                self._start_once(state, port, timeout)
                return self
            except ServerError:
                if attempt == attempts - 1 or "address already in use" not in self.output().lower():
                    self.stop()
                    raise
                self._kill()
        raise AssertionError("unreachable")

    def _start_once(self, state: str, port: int, timeout: float) -> None:
        options = self.options
        env = {**(self.env if self.env is not None else os.environ), **_settings_env(options.server_settings())}
        fd, log_name = tempfile.mkstemp(prefix="runnerlink-", suffix=".log")
        self.log_path = Path(log_name)
        with os.fdopen(fd, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "runnerlink", "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--gateway-port", str(self.gateway_port), "--state", state, "--region", options.region,
                 "--lifecycle-delay", str(options.lifecycle_delay)],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"runnerlink serve exited ({self.process.returncode}): {self.output()}")
            try:
                self.health()
                return
            except OSError:
                time.sleep(0.02)
        raise ServerError(f"runnerlink serve did not answer within {timeout} s: {self.output()}")

    def output(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def _make_temp(self) -> str:
        self._temp = tempfile.mkdtemp(prefix="runnerlink-test-state-")
        return self._temp

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self, timeout: float = 10) -> None:
        """SIGINT (what Ctrl-C sends, a clean shutdown), SIGKILL after timeout."""
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill()
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None
        if self._temp:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None


def _settings_env(settings: dict[str, Any]) -> dict[str, str]:
    """Settings by name as the RUNNERLINK_* variables `runnerlink serve` reads."""
    env = {}
    for name, value in settings.items():
        if isinstance(value, (tuple, list)):
            separator = "\n" if name in ("sources", "images") else ","
            value = separator.join(value)
        env[f"RUNNERLINK_{name.upper()}"] = str(value)
    return env


# --- one already running ----------------------------------------------------------------------------------------------

class ExternalServer(TestServer):
    """A server this process did not start (a CI service, `runnerlink serve` in another terminal): never stopped."""

    mode = "external"

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def start(self, timeout: float = 10) -> "ExternalServer":
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.health()
                return self
            except (OSError, ValueError) as error:
                if time.monotonic() > deadline:
                    raise ServerError(f"no runnerlink server answers at {self.url}: {error}") from None
                time.sleep(0.1)


# --- helpers ---------------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_json(url: str, timeout: float = 5) -> dict:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return json.load(response)

