"""Source-code services really run: built from a local directory, health-checked, served at their URL; a failing build
or health check ends CREATE_FAILED, a failing update rolls back while the old version keeps serving."""

from __future__ import annotations

import subprocess

from tests.e2e.app_helpers import FAST_HEALTH, code_source, get, get_json, latest_operation, python_app, wait_settled


def _create(apprunner, name: str, source: dict, health: dict | None = None) -> dict:
    return apprunner.create_service(ServiceName=name, SourceConfiguration=source,
                                    HealthCheckConfiguration=health or FAST_HEALTH)["Service"]


def test_a_python_app_builds_runs_and_serves_its_url(server, apprunner, tmp_path):
    app = python_app(tmp_path / "app")
    service = _create(apprunner, "hello", code_source(f"file://{app}"))
    assert service["Status"] == "OPERATION_IN_PROGRESS"
    settled = wait_settled(apprunner, service["ServiceArn"])
    assert settled["Status"] == "RUNNING"
    assert latest_operation(apprunner, service["ServiceArn"])["Status"] == "SUCCEEDED"

    seen = get_json(server, service["ServiceUrl"], "/some/path?q=1")
    assert seen["path"] == "/some/path?q=1"
    assert seen["version"] == "1" and seen["greeting"] == "hello"  # run.env
    assert seen["built"] is True  # the build command ran in the deployment's copy
    assert seen["port"] == seen["appPort"]  # network.env names a variable that gets the port too
    assert seen["forwardedFor"] == "127.0.0.1" and seen["forwardedProto"] == "http"
    assert seen["host"] == service["ServiceUrl"]
    assert not (app / "built.txt").exists()  # the build ran in a copy under the state directory, not here


def test_post_bodies_stream_through_the_edge(server, apprunner, tmp_path):
    service = _create(apprunner, "echo", code_source(f"file://{python_app(tmp_path / 'app')}"))
    wait_settled(apprunner, service["ServiceArn"])
    import urllib.request
    body = b"x" * 300_000
    request = urllib.request.Request(f"{server.url}/echo", data=body, method="POST",
                                     headers={"Host": service["ServiceUrl"]})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as response:
        assert response.read() == body


def test_code_configuration_values_from_the_api(server, apprunner, tmp_path):
    app = python_app(tmp_path / "app")
    (app / "apprunner.yaml").unlink()  # ConfigurationSource API: the file is not read
    configuration = {"ConfigurationSource": "API", "CodeConfigurationValues": {
        "Runtime": "PYTHON_3", "BuildCommand": "echo api > built.txt", "StartCommand": "python3 server.py",
        "Port": "8000", "RuntimeEnvironmentVariables": {"APP_VERSION": "api", "GREETING": "hi"}}}
    service = _create(apprunner, "api-config", code_source(f"file://{app}", configuration=configuration))
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    seen = get_json(server, service["ServiceUrl"])
    assert (seen["version"], seen["greeting"], seen["built"]) == ("api", "hi", True)


def test_a_git_branch_and_source_directory_are_what_runs(server, apprunner, tmp_path):
    repo = tmp_path / "repo"
    python_app(repo / "web", version="on-main")
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "main"], check=True)
    subprocess.run([*git, "checkout", "-qb", "feature"], check=True)
    python_app(repo / "web", version="on-feature")
    subprocess.run([*git, "commit", "-qam", "feature"], check=True)
    python_app(repo / "web", version="uncommitted")  # the working tree is not what a branch deploys

    for branch in ("main", "feature"):
        service = _create(apprunner, f"git-{branch}", code_source(f"file://{repo}", branch=branch,
                                                                  source_directory="web"))
        assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
        assert get_json(server, service["ServiceUrl"])["version"] == f"on-{branch}"


def test_a_failing_build_ends_create_failed_with_its_operation_failed(server, apprunner, tmp_path):
    app = python_app(tmp_path / "app", build="echo compiling; exit 7")
    service = _create(apprunner, "broken-build", code_source(f"file://{app}"))
    settled = wait_settled(apprunner, service["ServiceArn"])
    assert settled["Status"] == "CREATE_FAILED"
    assert latest_operation(apprunner, service["ServiceArn"])["Status"] == "FAILED"
    status, body = get(server, service["ServiceUrl"])
    assert status == 503 and "CREATE_FAILED" in body and "'echo compiling; exit 7' exited with status 7" in body


def test_a_health_check_that_never_passes_ends_create_failed(server, apprunner, tmp_path):
    app = python_app(tmp_path / "app")
    health = {**FAST_HEALTH, "Path": "/fail", "UnhealthyThreshold": 2}
    service = _create(apprunner, "unhealthy", code_source(f"file://{app}"), health)
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "CREATE_FAILED"
    assert latest_operation(apprunner, service["ServiceArn"])["Status"] == "FAILED"


def test_an_app_that_exits_at_once_ends_create_failed(server, apprunner, tmp_path):
    app = python_app(tmp_path / "app", command="python3 -c 'raise SystemExit(4)'")
    service = _create(apprunner, "exits", code_source(f"file://{app}"))
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "CREATE_FAILED"


def test_a_failed_create_is_fixed_by_an_update(server, apprunner, tmp_path):
    broken = python_app(tmp_path / "broken", build="exit 1")
    service = _create(apprunner, "fixed-later", code_source(f"file://{broken}"))
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "CREATE_FAILED"
    fixed = python_app(tmp_path / "fixed", version="2")
    apprunner.update_service(ServiceArn=service["ServiceArn"], SourceConfiguration=code_source(f"file://{fixed}"))
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    assert get_json(server, service["ServiceUrl"])["version"] == "2"


def test_a_failing_update_rolls_back_and_the_old_version_keeps_serving(server, apprunner, tmp_path):
    good = python_app(tmp_path / "good", version="1")
    service = _create(apprunner, "rollback", code_source(f"file://{good}"))
    arn = service["ServiceArn"]
    wait_settled(apprunner, arn)
    bad = python_app(tmp_path / "bad", version="2", build="exit 2")
    updated = apprunner.update_service(ServiceArn=arn, SourceConfiguration=code_source(f"file://{bad}"))["Service"]
    assert updated["SourceConfiguration"]["CodeRepository"]["RepositoryUrl"] == f"file://{bad}"
    assert get_json(server, service["ServiceUrl"])["version"] == "1"  # serving while the update builds
    settled = wait_settled(apprunner, arn)
    assert settled["Status"] == "RUNNING"
    assert settled["SourceConfiguration"]["CodeRepository"]["RepositoryUrl"] == f"file://{good}"  # rolled back
    assert latest_operation(apprunner, arn)["Status"] == "ROLLBACK_SUCCEEDED"
    assert get_json(server, service["ServiceUrl"])["version"] == "1"


def test_start_deployment_rebuilds_from_the_directory(server, apprunner, tmp_path):
    app = python_app(tmp_path / "app", version="1")
    service = _create(apprunner, "redeploy", code_source(f"file://{app}"))
    arn = service["ServiceArn"]
    wait_settled(apprunner, arn)
    python_app(app, version="2")
    apprunner.start_deployment(ServiceArn=arn)
    assert wait_settled(apprunner, arn)["Status"] == "RUNNING"
    assert latest_operation(apprunner, arn)["Type"] == "START_DEPLOYMENT"
    assert get_json(server, service["ServiceUrl"])["version"] == "2"
    python_app(app, version="3", build="exit 9")  # a broken deployment: the running version stays
    apprunner.start_deployment(ServiceArn=arn)
    assert wait_settled(apprunner, arn)["Status"] == "RUNNING"
    assert latest_operation(apprunner, arn)["Status"] == "ROLLBACK_SUCCEEDED"
    assert get_json(server, service["ServiceUrl"])["version"] == "2"


def test_an_unmapped_repository_runs_as_a_record_and_its_url_says_why(server, apprunner, account):
    connection = apprunner.create_connection(ConnectionName="github-conn", ProviderType="GITHUB")["Connection"]
    server.post_admin("apprunner/complete-connection-handshake", {"ConnectionArn": connection["ConnectionArn"]})
    source = code_source("https://github.com/example/app")
    source["AuthenticationConfiguration"] = {"ConnectionArn": connection["ConnectionArn"]}
    service = _create(apprunner, "remote", source)
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"  # as before: the clock decides
    status, body = get(server, service["ServiceUrl"])
    assert status == 503 and "no local copy of https://github.com/example/app" in body and "--source" in body


def test_an_unknown_service_domain_is_404(server):
    status, body = get(server, "nosuchsvc1.us-east-1.awsapprunner.com")
    assert status == 404 and "No App Runner service" in body


def test_an_active_custom_domain_serves_and_a_pending_one_does_not(server, apprunner, tmp_path):
    from tests.conftest import settle, wait_for

    service = _create(apprunner, "domains", code_source(f"file://{python_app(tmp_path / 'app')}"))
    arn = service["ServiceArn"]
    wait_settled(apprunner, arn)
    apprunner.associate_custom_domain(ServiceArn=arn, DomainName="shop.example.com")
    settle()  # pending_certificate_dns_validation: not serving yet
    assert get(server, "shop.example.com")[0] != 200
    server.post_admin("apprunner/validate-custom-domain", {"ServiceArn": arn, "DomainName": "shop.example.com"})
    for name in ("shop.example.com", "www.shop.example.com"):  # EnableWWWSubdomain defaults to true
        wait_for(lambda: get(server, name)[0] == 200, timeout=5)
        assert get_json(server, name)["host"] == name
    apprunner.disassociate_custom_domain(ServiceArn=arn, DomainName="shop.example.com")
    wait_for(lambda: get(server, "shop.example.com")[0] != 200, timeout=5)
