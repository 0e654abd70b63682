"""Image services really run: through a local stand-in command (--image IMAGE=COMMAND or RUNNERLINK_IMAGES), through a
container engine (here a fake `docker` on PATH that records its argv and serves HTTP itself), or not at all — then the
service reaches RUNNING on the clock and its URL answers 503 saying what is missing."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import wait_for
from tests.e2e.app_helpers import FAST_HEALTH, get, get_json, latest_operation, wait_settled
from tests.server import RunningServer

IMAGE = "public.ecr.aws/example/hello:latest"
OTHER = "public.ecr.aws/example/other:1.0"
MISSING = "public.ecr.aws/example/nowhere:latest"

# The image's stand-in: answers every GET with its environment and the arguments it was started with.
STAND_IN = textwrap.dedent('''\
    import http.server, json, os, sys

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"port": os.environ.get("PORT"), "greeting": os.environ.get("GREETING"),
                               "region": os.environ.get("AWS_REGION"), "args": sys.argv[1:],
                               "who": os.environ.get("WHO", "stand-in")}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
''')

# A `docker` that answers `info` (exit 0, or 1 when broken), records the argv of `run` and `stop`, and for `run`
# serves HTTP itself on the published host port with the -e variables, as the container would.
FAKE_DOCKER = textwrap.dedent('''\
    #!{python}
    import json, os, sys
    RECORD, BROKEN, SERVER = {record!r}, {broken!r}, {server!r}
    args = sys.argv[1:]
    if args[:1] == ["info"]:
        if BROKEN:
            print("Cannot connect to the Docker daemon at unix:///var/run/docker.sock.", file=sys.stderr)
        sys.exit(1 if BROKEN else 0)
    with open(RECORD, "a") as f:
        f.write(json.dumps(sys.argv) + "\\n")
    if args[:1] == ["run"]:
        env, i, host_port = {{}}, 1, None
        while args[i].startswith("-"):
            if args[i] in ("-e", "--publish", "--name"):
                if args[i] == "-e":
                    key, _, value = args[i + 1].partition("=")
                    env[key] = value
                elif args[i] == "--publish":
                    host_port = args[i + 1].split(":")[1]
                i += 2
            else:
                i += 1
        env = {{**os.environ, **env, "PORT": host_port, "WHO": "fake-docker " + args[i]}}
        os.execve(sys.executable, [sys.executable, SERVER, *args[i + 1:]], env)
''')


def _image_source(identifier: str, configuration: dict | None = None) -> dict:
    return {"ImageRepository": {"ImageIdentifier": identifier, "ImageRepositoryType": "ECR_PUBLIC",
                                "ImageConfiguration": configuration or {}},
            "AutoDeploymentsEnabled": False}


def _fake_docker(directory: Path, server_script: Path, broken: bool) -> tuple[dict, Path]:
    """A directory holding a fake docker, and the environment that puts it first on a server's PATH."""
    directory.mkdir()
    record = directory / "argv.jsonl"
    docker = directory / "docker"
    docker.write_text(FAKE_DOCKER.format(python=sys.executable, record=str(record), broken=broken,
                                         server=str(server_script)))
    docker.chmod(0o755)
    env = {"PATH": f"{directory}{os.pathsep}{os.environ['PATH']}", "RUNNERLINK_CONTAINER_ENGINE": "docker"}
    return env, record


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("stand-in") / "server.py"
    path.write_text(STAND_IN)
    return path


@pytest.fixture(scope="module")
def images_server(tmp_path_factory, stand_in):
    """A server with a stand-in from --image, one from RUNNERLINK_IMAGES, and a docker whose daemon doesn't answer."""
    env, _ = _fake_docker(tmp_path_factory.mktemp("broken") / "bin", stand_in, broken=True)
    env["RUNNERLINK_IMAGES"] = f"{OTHER}=python3 {stand_in} from-variable"
    running = RunningServer(extra_args=["--image", f"{IMAGE}=python3 {stand_in}"], extra_env=env).start()
    yield running
    running.stop()


def _create(server, account: str, name: str, source: dict) -> tuple[object, dict]:
    apprunner = server.client("apprunner", account=account)
    service = apprunner.create_service(ServiceName=name, SourceConfiguration=source,
                                       HealthCheckConfiguration=FAST_HEALTH)["Service"]
    return apprunner, service


def test_an_image_runs_as_its_stand_in_with_port_env_and_start_command(images_server, account):
    configuration = {"Port": "3000", "RuntimeEnvironmentVariables": {"GREETING": "hi"},
                     "StartCommand": "serve --verbose 'two words'"}
    apprunner, service = _create(images_server, account, "hello-image", _image_source(IMAGE, configuration))
    assert service["Status"] == "OPERATION_IN_PROGRESS"
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    assert latest_operation(apprunner, service["ServiceArn"])["Status"] == "SUCCEEDED"
    seen = get_json(images_server, service["ServiceUrl"])
    assert seen["greeting"] == "hi" and seen["region"] == "us-east-1" and seen["who"] == "stand-in"
    # A stand-in listens where runnerlink puts it (PORT), not on the container's Port; StartCommand, which replaces
    # an image's CMD, reaches the stand-in (the image's ENTRYPOINT) as its arguments.
    assert seen["port"].isdigit() and seen["port"] != "3000"
    assert seen["args"] == ["serve", "--verbose", "two words"]


def test_a_tag_less_identifier_and_the_images_variable_find_their_stand_ins(images_server, account):
    apprunner, service = _create(images_server, account, "other-image", _image_source("public.ecr.aws/example/other"))
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    assert get_json(images_server, service["ServiceUrl"])["args"] == ["from-variable"]


def test_an_image_without_stand_in_or_engine_is_running_and_its_url_says_why(images_server, account):
    apprunner, service = _create(images_server, account, "nowhere", _image_source(MISSING))
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"  # as before: the clock decides
    status, body = get(images_server, service["ServiceUrl"])
    assert status == 503, body
    assert f"image {MISSING} can't run here" in body
    assert "docker is installed but its daemon does not answer" in body and "Cannot connect" in body
    assert f"--image {MISSING}=COMMAND" in body


def test_with_engines_turned_off_the_url_says_so(server, apprunner):
    service = apprunner.create_service(ServiceName="no-engine", SourceConfiguration=_image_source(MISSING))["Service"]
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    status, body = get(server, service["ServiceUrl"])
    assert status == 503 and "container engines are turned off" in body and "--image" in body


def test_an_image_runs_in_a_reachable_container_engine(tmp_path, stand_in, account):
    """The whole engine path for real, with a docker that is a script: plan finds it reachable, launch runs it with
    the argv a real engine would get, the edge serves what it serves, and deleting the service stops it."""
    env, record = _fake_docker(tmp_path / "bin", stand_in, broken=False)
    running = RunningServer(extra_env=env).start()
    try:
        configuration = {"Port": "3000", "RuntimeEnvironmentVariables": {"GREETING": "hello"},
                         "StartCommand": "serve --fast"}
        apprunner, service = _create(running, account, "in-docker", _image_source(IMAGE, configuration))
        assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
        seen = get_json(running, service["ServiceUrl"], "/x")
        assert seen["who"] == f"fake-docker {IMAGE}" and seen["greeting"] == "hello"
        assert seen["args"] == ["serve", "--fast"]

        argv = json.loads(record.read_text().splitlines()[0])
        name = argv[argv.index("--name") + 1]
        assert argv[1:4] == ["run", "--rm", "--name"] and name.startswith("runnerlink-in-docker-")
        host, host_port, container_port = argv[argv.index("--publish") + 1].split(":")
        assert (host, container_port) == ("127.0.0.1", "3000") and host_port.isdigit()
        variables = dict(argv[i + 1].split("=", 1) for i, arg in enumerate(argv) if arg == "-e")
        assert variables["PORT"] == "3000"  # inside the container the app listens on the configured Port
        assert variables["GREETING"] == "hello" and variables["AWS_REGION"] == "us-east-1"
        assert "HTTPS_PROXY" not in variables and "AWS_CA_BUNDLE" not in variables  # the host's, not the container's
        assert argv[-3:] == [IMAGE, "serve", "--fast"]

        apprunner.delete_service(ServiceArn=service["ServiceArn"])
        wait_settled(apprunner, service["ServiceArn"])
        stopped = lambda: [json.loads(line)[1:] for line in record.read_text().splitlines()][-1] == ["stop", name]
        wait_for(stopped)  # the supervisor stops a deleted service's container through its engine
    finally:
        running.stop()
