from __future__ import annotations

import time

import pytest

from runnerlink.runtime.containers import Engine, find_engine, run_command, stop_command

DOCKER_DOWN = ("echo 'Client: Docker Engine'\n"
               "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
               "Is the docker daemon running?' >&2\nexit 1\n")


def _engines(tmp_path, **scripts):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in scripts.items():
        exe = bin_dir / name
        exe.write_text("#!/bin/sh\n" + body)
        exe.chmod(0o755)
    return str(bin_dir)


def test_docker_is_chosen_when_it_answers(tmp_path):
    path = _engines(tmp_path, docker="exit 0\n", podman="exit 0\n")
    assert find_engine(path=path) == (Engine("docker", str(tmp_path / "bin" / "docker")), "")


def test_auto_falls_back_to_podman_when_docker_has_no_daemon(tmp_path):
    path = _engines(tmp_path, docker=DOCKER_DOWN, podman='[ "$1" = info ] || exit 3\n')
    engine, reason = find_engine(path=path)
    assert engine == Engine("podman", str(tmp_path / "bin" / "podman")) and reason == ""


def test_the_reason_names_each_engine_and_what_went_wrong(tmp_path):
    engine, reason = find_engine(path=_engines(tmp_path, docker=DOCKER_DOWN))
    assert engine is None
    assert reason == ("no container engine is reachable: docker is installed but its daemon does not answer "
                      "(Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon "
                      "running?); podman is not installed")


def test_an_engine_that_hangs_is_given_up_on_after_the_timeout(tmp_path):
    path = _engines(tmp_path, podman="sleep 30\n")
    started = time.monotonic()
    engine, reason = find_engine("podman", timeout=0.3, path=path)
    assert time.monotonic() - started < 5
    assert engine is None
    assert reason == ("no container engine is reachable: podman is installed but it does not answer "
                      "(`podman info` gave no answer within 0.3s)")


def test_a_preference_for_one_engine_tries_only_that_one(tmp_path):
    path = _engines(tmp_path, podman="exit 0\n")
    assert find_engine("docker", path=path) == (None, "no container engine is reachable: docker is not installed")
    assert find_engine("none", path=path)[0] is None
    with pytest.raises(ValueError):
        find_engine("lxc", path=path)


def test_run_command_argv():
    engine = Engine("docker", "/usr/bin/docker")
    argv = run_command(engine, "public.ecr.aws/x/y:latest", "rl-svc-1", 49152, 8000,
                       {"PORT": "8000", "GREETING": "hello world", "EMPTY": ""},
                       "gunicorn --bind 0.0.0.0:8000 'app:create_app()'")
    assert argv == ["/usr/bin/docker", "run", "--rm", "--name", "rl-svc-1",
                    "--publish", "127.0.0.1:49152:8000",
                    "-e", "PORT=8000", "-e", "GREETING=hello world", "-e", "EMPTY=",
                    "public.ecr.aws/x/y:latest", "gunicorn", "--bind", "0.0.0.0:8000", "app:create_app()"]


def test_run_command_without_a_start_command_keeps_the_images_own():
    argv = run_command(Engine("podman", "/bin/podman"), "img", "n", 1, 2, {}, None)
    assert argv == ["/bin/podman", "run", "--rm", "--name", "n", "--publish", "127.0.0.1:1:2", "img"]


def test_stop_command_argv():
    assert stop_command(Engine("docker", "/usr/bin/docker"), "rl-svc-1") == ["/usr/bin/docker", "stop", "rl-svc-1"]
