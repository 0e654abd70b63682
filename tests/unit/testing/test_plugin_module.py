"""The plugin module's cost and consistency, and the pure helpers of runnerlink.testing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import runnerlink
from runnerlink.testing import handle, network, plugin, servers
from runnerlink.testing.handle import Runnerlink
from runnerlink.workload_client import workload_environment

ROOT = Path(runnerlink.__file__).parent


def test_importing_the_plugin_loads_neither_boto3_nor_uvicorn_nor_the_server():
    """It loads in every pytest run wherever runnerlink is installed."""
    probe = ("import json, sys, runnerlink.testing.plugin; print(json.dumps(sorted(m for m in sys.modules "
             "if m.split('.')[0] in ('boto3', 'botocore', 'uvicorn') or m.startswith(('runnerlink.server', "
             "'runnerlink.services', 'runnerlink.store', 'runnerlink.config')))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == []


def test_the_plugins_constants_are_the_servers():
    assert (plugin.MODES, plugin.STORES, plugin.DEFAULT_MODE) == (servers.MODES, servers.STORES, servers.DEFAULT_MODE)
    assert plugin.DEFAULT_LIFECYCLE_DELAY == servers.DEFAULT_LIFECYCLE_DELAY
    assert (plugin.DEFAULT_ACCOUNT, plugin.DEFAULT_REGION) == (handle.DEFAULT_ACCOUNT, handle.DEFAULT_REGION)


def _runnerlink_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("runnerlink.")}


def test_only_the_testing_package_imports_it_and_it_imports_no_cli():
    """testing/ is a top layer beside the CLI: nothing else in runnerlink depends on it, and it shares code with the
    CLI through modules of their own (server/serving.py, workload_client.py), not through cli*.py."""
    users = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
             if p.parent.name != "testing" and any(m.startswith("runnerlink.testing") for m in _runnerlink_imports(p))]
    assert users == []
    cli = [f"{p.name}: {m}" for p in (ROOT / "testing").glob("*.py") for m in _runnerlink_imports(p)
           if m.split(".")[1].startswith("cli")]
    assert cli == []


def test_subnet_cidrs_are_the_next_24s_and_small_vpcs_are_refused():
    assert [network._subnet_cidr("10.0.0.0/16", i) for i in range(3)] == ["10.0.1.0/24", "10.0.2.0/24",
                                                                           "10.0.3.0/24"]
    assert network._subnet_cidr("172.16.16.0/20", 0) == "172.16.17.0/24"
    with pytest.raises(ValueError, match="a /16 to /20"):
        network._subnet_cidr("10.0.0.0/24", 0)


def test_server_settings_become_the_variables_serve_reads():
    assert servers._settings_env({"iam": "enforce", "vpc_quota": 20, "root_credentials": ("a=b:c", "d=e:f"),
                                  "images": ("x=run x", "y=run y")}) == {
        "RUNNERLINK_IAM": "enforce", "RUNNERLINK_VPC_QUOTA": "20", "RUNNERLINK_ROOT_CREDENTIALS": "a=b:c,d=e:f",
        "RUNNERLINK_IMAGES": "x=run x\ny=run y"}


def test_server_options_are_checked():
    with pytest.raises(ValueError, match="store is one of memory, sqlite"):
        servers.ServerOptions(store="disk")
    with pytest.raises(ValueError, match="≥ 0"):
        servers.ServerOptions(lifecycle_delay=-1)
    with pytest.raises(servers.ServerError, match="needs the server's URL"):
        servers.start_server("external")


def test_a_handles_environment_signs_as_its_account_whatever_the_shell_had():
    own = Runnerlink(servers.ExternalServer("http://127.0.0.1:1"), "111122223333", "eu-west-1")
    env = own.environment({"AWS_PROFILE": "prod", "AWS_SESSION_TOKEN": "t", "AWS_ACCESS_KEY_ID": "AKIA…",
                              "PATH": "/bin"})
    assert env == {"PATH": "/bin", "AWS_ACCESS_KEY_ID": "111122223333", "AWS_SECRET_ACCESS_KEY": "test",
                   "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1",
                   "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}
    with pytest.raises(ValueError, match="12-digit"):
        Runnerlink(own.server, "1234")


def test_a_workloads_environment_drops_endpoint_urls_and_aws_names_from_no_proxy():
    settings = {"HTTPS_PROXY": "http://w:t@127.0.0.1:9", "AWS_CA_BUNDLE": "/ca.pem"}
    env = workload_environment({"AWS_ENDPOINT_URL": "http://x", "AWS_ENDPOINT_URL_STS": "http://y",
                                "NO_PROXY": "localhost,.amazonaws.com", "no_proxy": "*.amazonaws.com"}, settings)
    assert env == {**settings, "NO_PROXY": "localhost"}


def test_xdist_workers_on_a_shared_server_act_in_accounts_of_their_own():
    assert plugin.worker_account("123456789012", None) == "123456789012"
    assert [plugin.worker_account("123456789012", n) for n in (0, 1, 7)] == [
        "123456789013", "123456789014", "123456789020"]
    assert plugin.worker_account("999999999999", 0) == "000000000000"


def test_test_servers_run_no_container_engine_unless_told():
    assert servers.ServerOptions().server_settings() == {"container_engine": "none"}
    assert servers.ServerOptions(container_engine="docker", settings={"iam": "enforce"}).server_settings() == {
        "container_engine": "docker", "iam": "enforce"}
