from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from runnerlink.runtime.runtimes import LocalRuntime, local_runtime, prepare_environment


def _fake_bin(tmp_path, *names):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in names:
        exe = bin_dir / name
        exe.write_text("#!/bin/sh\nexit 0\n")
        exe.chmod(0o755)
    return str(bin_dir)


def _wheel(tmp_path):
    path = tmp_path / "hello_rl-0.1-py3-none-any.whl"
    info = "hello_rl-0.1.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("hello_rl/__init__.py", "GREETING = 'hi'\n")
        wheel.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: hello-rl\nVersion: 0.1\n")
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", f"hello_rl/__init__.py,,\n{info}/METADATA,,\n{info}/WHEEL,,\n{info}/RECORD,,\n")
    return path


def test_node_needs_node_and_npm_and_says_which_is_missing(tmp_path):
    runtime = local_runtime("NODEJS_18", path=_fake_bin(tmp_path, "npm"))
    assert not runtime.available
    assert runtime.reason == "runtime NODEJS_18 needs node and npm on this machine's PATH; node is not found"
    both = local_runtime("NODEJS_18", path=_fake_bin(tmp_path, "node"))
    assert both.available and set(both.executables) == {"node", "npm"}


@pytest.mark.parametrize("name,exe", [("CORRETTO_11", "java"), ("GO_1", "go"), ("DOTNET_6", "dotnet"),
                                      ("PHP_81", "php"), ("RUBY_31", "ruby")])
def test_other_runtimes_need_their_executable(tmp_path, name, exe):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not local_runtime(name, path=str(empty)).available
    runtime = local_runtime(name, path=_fake_bin(tmp_path, exe))
    assert runtime.available and runtime.executables == {exe: str(tmp_path / "bin" / exe)}
    assert prepare_environment(runtime, tmp_path) == {}


def test_unknown_runtimes_are_unavailable_and_image_is_not_a_local_runtime():
    runtime = local_runtime("COBOL_85")
    assert not runtime.available and "COBOL_85" in runtime.reason
    with pytest.raises(ValueError):
        local_runtime("IMAGE")


def test_an_unavailable_runtime_cannot_be_prepared(tmp_path):
    with pytest.raises(ValueError, match="node is not found"):
        prepare_environment(LocalRuntime("NODEJS_18", False, "runtime NODEJS_18 needs ...; node is not found"),
                            tmp_path)


def test_python_gets_a_virtualenv_whose_pip_installs_into_it(tmp_path):
    runtime = local_runtime("PYTHON_311", path=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    assert runtime.available
    workdir = tmp_path / "app"
    workdir.mkdir()
    added = prepare_environment(runtime, workdir)
    venv = workdir / ".runnerlink-venv"
    assert added["VIRTUAL_ENV"] == str(venv)
    assert added["PATH"].split(os.pathsep)[0] == str(venv / "bin")
    env = dict(os.environ, **added)
    env.pop("PYTHONHOME", None)
    prefix = subprocess.run(["python", "-c", "import sys; print(sys.prefix)"], env=env, capture_output=True,
                            text=True, check=True).stdout.strip()
    assert prefix == str(venv)
    # pip, found first on PATH, is the venv's script: the machine's pip run by the venv's python.
    assert subprocess.run(["sh", "-c", "command -v pip"], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == str(venv / "bin" / "pip")
    # A real install (no index, no build): a hand-made wheel lands in the venv's site-packages.
    wheel = _wheel(tmp_path)
    subprocess.run(["pip", "install", "--no-index", "--no-deps", "-q", str(wheel)], env=env, cwd=workdir,
                   capture_output=True, text=True, check=True)
    located = subprocess.run(["python", "-c", "import hello_rl; print(hello_rl.__file__)"], env=env,
                             capture_output=True, text=True, check=True).stdout.strip()
    assert located.startswith(str(venv))
    # preparing again reuses the venv
    assert prepare_environment(runtime, workdir) == added
