"""A container engine (docker or podman) for image services: whether one answers here, and the commands that run
and stop an image's container."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
from dataclasses import dataclass
from typing import Mapping

ENGINES = ("docker", "podman")


@dataclass(frozen=True)
class Engine:
    name: str
    executable: str


def find_engine(preference: str = "auto", timeout: float = 3.0, path: str | None = None
                ) -> tuple[Engine | None, str]:
    """The first reachable engine of `preference` ("auto": docker, then podman; "none": none), found on `path`
    (default PATH); with None, the reason none is usable, one clause per engine tried."""
    if preference == "none":
        return None, "container engines are turned off (engine preference is none)"
    if preference not in ("auto", *ENGINES):
        raise ValueError(f"container engine preference must be auto, docker, podman or none, not {preference!r}")
    names = ENGINES if preference == "auto" else (preference,)
    search = os.environ.get("PATH", os.defpath) if path is None else path
    why: list[str] = []
    for name in names:
        executable = shutil.which(name, path=search)
        if executable is None:
            why.append(f"{name} is not installed")
            continue
        problem = _unreachable(name, executable, timeout)
        if problem is None:
            return Engine(name, executable), ""
        why.append(problem)
    return None, f"no container engine is reachable: {'; '.join(why)}"


def _unreachable(name: str, executable: str, timeout: float) -> str | None:
    """None when `<engine> info` answers in time, else what went wrong."""
    what = "its daemon does not answer" if name == "docker" else "it does not answer"
    try:
        # A session of its own, so a timeout kills whatever the client started too.
        process = subprocess.Popen([executable, "info"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        return f"{name} is installed but could not be started ({exc})"
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.communicate()
        return f"{name} is installed but {what} (`{name} info` gave no answer within {timeout:g}s)"
    if process.returncode == 0:
        return None
    detail = _last_line(stderr) or _last_line(stdout) or f"exit status {process.returncode}"
    return f"{name} is installed but {what} ({detail})"


def _last_line(output: bytes) -> str:
    lines = [line.strip() for line in output.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def run_command(engine: Engine, image: str, name: str, host_port: int, container_port: int, env: Mapping[str, str],
                start_command: str | None) -> list[str]:
    """The argv that runs `image` in the foreground (its output is the instance's log) as `name`, reachable at
    127.0.0.1:host_port. start_command (App Runner's StartCommand) replaces the image's command; an image ENTRYPOINT,
    if any, still runs with it as arguments."""
    argv = [engine.executable, "run", "--rm", "--name", name,
            "--publish", f"127.0.0.1:{host_port}:{container_port}"]
    for key, value in env.items():
        argv += ["-e", f"{key}={value}"]
    argv.append(image)
    if start_command:
        argv += shlex.split(start_command)
    return argv


def stop_command(engine: Engine, name: str) -> list[str]:
    """The argv that stops the container `name` (run with --rm, so stopping also removes it)."""
    return [engine.executable, "stop", name]
