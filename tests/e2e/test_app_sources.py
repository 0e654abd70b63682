"""Where a service's source comes from: repository URLs mapped to local directories (`serve --source URL=DIR` and
RUNNERLINK_SOURCES), and the revised build's phases (pre-build, build, post-build, pre-run) as apprunner.yaml names
them."""

from __future__ import annotations

import textwrap

import pytest

from tests.e2e.app_helpers import FAST_HEALTH, code_source, get_json, python_app, wait_settled
from tests.server import RunningServer

FLAG_URL = "https://github.com/example/flagged"
VARIABLE_URL = "https://github.com/example/from-variable"


@pytest.fixture(scope="module")
def mapped(tmp_path_factory):
    root = tmp_path_factory.mktemp("sources")
    python_app(root / "flagged", version="flag")
    python_app(root / "variable", version="variable")
    running = RunningServer(extra_args=["--source", f"{FLAG_URL}={root / 'flagged'}"],
                            extra_env={"RUNNERLINK_SOURCES": f"{VARIABLE_URL}.git={root / 'variable'}"}).start()
    yield running
    running.stop()


def _connected_source(apprunner, server, url: str) -> dict:
    connection = apprunner.create_connection(ConnectionName="github-app", ProviderType="GITHUB")["Connection"]
    server.post_admin("apprunner/complete-connection-handshake", {"ConnectionArn": connection["ConnectionArn"]})
    source = code_source(url)
    source["AuthenticationConfiguration"] = {"ConnectionArn": connection["ConnectionArn"]}
    return source


@pytest.mark.parametrize("url,version", [(FLAG_URL, "flag"), (VARIABLE_URL, "variable")])
def test_a_mapped_repository_url_runs_from_its_directory(mapped, url, version):
    apprunner = mapped.client("apprunner", account="222233334444" if version == "flag" else "222233335555")
    service = apprunner.create_service(ServiceName="mapped", SourceConfiguration=_connected_source(
        apprunner, mapped, url), HealthCheckConfiguration=FAST_HEALTH)["Service"]
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    assert get_json(mapped, service["ServiceUrl"])["version"] == version


def test_a_bad_mapping_stops_serve_with_a_clear_message():
    server = RunningServer(extra_args=["--source", "no-equals-sign"])
    with pytest.raises(RuntimeError) as error:
        server.start(timeout=10)
    assert "no-equals-sign" in str(error.value)


REVISED = textwrap.dedent('''\
    version: 1.0
    runtime: python311
    build:
      commands:
        pre-build:
          - echo pre > pre-build.txt
        build:
          - cat pre-build.txt > built.txt
        post-build:
          - test -f built.txt
      env:
        - name: BUILD_ONLY
          value: "yes"
    run:
      pre-run:
        - echo ran > pre-run.txt
      command: python3 server.py
      network:
        port: 8000
      env:
        - name: APP_VERSION
          value: revised
''')


def test_the_revised_build_runs_every_phase_and_pre_run(server, apprunner, tmp_path):
    app = python_app(tmp_path / "app")
    (app / "apprunner.yaml").write_text(REVISED)
    service = apprunner.create_service(ServiceName="revised", SourceConfiguration=code_source(f"file://{app}"),
                                       HealthCheckConfiguration=FAST_HEALTH)["Service"]
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    seen = get_json(server, service["ServiceUrl"])
    assert seen["version"] == "revised" and seen["built"] is True and seen["preRun"] is True
    assert seen["appPort"] is None  # no network.env: only PORT carries the port


def test_a_configuration_app_runner_refuses_fails_the_creation(server, apprunner, tmp_path):
    app = python_app(tmp_path / "app")
    (app / "apprunner.yaml").write_text(REVISED.replace("python311", "python3"))  # pre-run needs the revised build
    service = apprunner.create_service(ServiceName="refused", SourceConfiguration=code_source(f"file://{app}"),
                                       HealthCheckConfiguration=FAST_HEALTH)["Service"]
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "CREATE_FAILED"
