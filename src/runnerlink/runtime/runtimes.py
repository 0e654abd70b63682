"""App Runner's managed runtimes, stood in for by this machine's own tools: which are usable, and the environment a
build and its run get (a virtualenv for Python)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

VENV_DIR = ".runnerlink-venv"

# The executables each runtime needs on PATH, by API runtime name.
NEEDS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "PYTHON_3": ("python3",), "PYTHON_311": ("python3",),
    "NODEJS_12": ("node", "npm"), "NODEJS_14": ("node", "npm"), "NODEJS_16": ("node", "npm"),
    "NODEJS_18": ("node", "npm"), "NODEJS_22": ("node", "npm"),
    "CORRETTO_8": ("java",), "CORRETTO_11": ("java",),
    "GO_1": ("go",), "DOTNET_6": ("dotnet",), "PHP_81": ("php",), "RUBY_31": ("ruby",),
})
PYTHON = frozenset({"PYTHON_3", "PYTHON_311"})

# pip for the virtualenv: the machine's pip (seen through --system-site-packages) run by the venv's python, so
# `pip install` writes into the venv without a copy of pip being installed there.
PIP_SCRIPT = '#!/bin/sh\nexec "$(dirname "$0")/python" -m pip "$@"\n'


@dataclass(frozen=True)
class LocalRuntime:
    name: str
    available: bool
    reason: str
    executables: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def local_runtime(name: str, path: str | None = None) -> LocalRuntime:
    """Whether the API runtime `name` can run here, looking for its executables on `path` (default: PATH)."""
    if name == "IMAGE":
        raise ValueError("IMAGE services run in a container engine, not a local runtime")
    needs = NEEDS.get(name)
    if needs is None:
        return LocalRuntime(name, False, f"runtime {name} is not an App Runner managed runtime "
                                         f"(one of {', '.join(NEEDS)})")
    search = os.environ.get("PATH", os.defpath) if path is None else path
    found = {exe: where for exe in needs if (where := shutil.which(exe, path=search))}
    missing = [exe for exe in needs if exe not in found]
    if missing:
        return LocalRuntime(name, False, f"runtime {name} needs {' and '.join(needs)} on this machine's PATH; "
                                         f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not found",
                            MappingProxyType(found))
    return LocalRuntime(name, True, "", MappingProxyType(found))


def prepare_environment(runtime: LocalRuntime, workdir: Path) -> dict[str, str]:
    """Make workdir ready for the runtime's build and run; returns the environment variables to add to theirs."""
    if runtime.name == "IMAGE":
        raise ValueError("IMAGE services run in a container engine, not a local runtime")
    if not runtime.available:
        raise ValueError(runtime.reason)
    if runtime.name not in PYTHON:
        return {}  # node's npm install writes node_modules into workdir; the others need nothing prepared
    venv = Path(workdir) / VENV_DIR
    bin_dir = venv / "bin"
    if not (bin_dir / "python").exists():
        completed = subprocess.run(
            [runtime.executables["python3"], "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
            capture_output=True, text=True)
        if completed.returncode != 0:
            raise RuntimeError(f"could not create a virtualenv at {venv}: "
                               f"{(completed.stderr or completed.stdout).strip()}")
    for name in ("pip", "pip3"):
        script = bin_dir / name
        if not script.exists():
            script.write_text(PIP_SCRIPT, encoding="utf-8")
            script.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', os.defpath)}", "VIRTUAL_ENV": str(venv)}
