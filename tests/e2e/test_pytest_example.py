"""examples/pytest-project run as its users run it — `pytest` in its directory, the plugin found through the entry
point this repository's pyproject.toml declares — so neither the sample nor the entry point can rot unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "pytest-project"


def entry_point_only(directory: Path) -> Path:
    """A distribution that declares just pyproject.toml's pytest11 entry points, for a Python whose installed
    runnerlink predates them (pytest loads an entry point name once, so an installed one doesn't clash)."""
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    dist = directory / "runnerlink_entry_points-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: runnerlink-entry-points\nVersion: 0\n")
    (dist / "entry_points.txt").write_text("[pytest11]\n" + "".join(f"{k} = {v}\n" for k, v in declared.items()))
    return directory


def test_the_entry_point_names_the_plugin_module():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    assert declared == {"runnerlink": "runnerlink.testing.plugin"}


def test_the_sample_project_passes_with_only_the_plugin(tmp_path):
    source = str(REPO / "src")
    path = [str(entry_point_only(tmp_path / "site")), source, os.environ.get("PYTHONPATH", "")]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "RUNNERLINK_", "AWS_")) and k.upper() not in ("HTTP_PROXY", "HTTPS_PROXY")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in path if p)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "--basetemp", str(tmp_path / "basetemp")],
                          cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "9 passed" in done.stdout, done.stdout[-2000:]
