"""The pytest plugin (runnerlink.testing.plugin) as a user's project meets it: test files that use only its fixtures,
run by pytester — in this process where that is enough, as a child process where the run needs one (xdist)."""

from __future__ import annotations

import json
import os
import urllib.request
from importlib.metadata import entry_points

import pytest

# Loaded here once, so pytester's inline runs (which unload what they import) don't import them again each run.
import boto3  # noqa: F401
import runnerlink.server.app  # noqa: F401
import runnerlink.testing.handle  # noqa: F401
from runnerlink.testing.servers import ServerOptions, start_server

pytest_plugins = ["pytester"]

PLUGIN = "runnerlink.testing.plugin"
# Where runnerlink was installed before it declared its entry point, the runs name the plugin themselves.
PLUGIN_ARGS = () if any(ep.value == PLUGIN for ep in entry_points(group="pytest11")) else ("-p", PLUGIN)

CLEAN_STATE = """
import pytest

def vpcs(runnerlink):
    return sorted(v["CidrBlock"] for v in runnerlink.client("ec2").describe_vpcs()["Vpcs"] if not v["IsDefault"])

def test_a_makes_a_vpc(runnerlink, runnerlink_server):
    assert runnerlink_server.mode == "{mode}" and runnerlink.account == "123456789012"
    runnerlink.client("ec2").create_vpc(CidrBlock="10.1.0.0/16")
    assert vpcs(runnerlink) == ["10.1.0.0/16"]

def test_b_starts_clean(runnerlink):
    assert vpcs(runnerlink) == []
    runnerlink.client("ec2").create_vpc(CidrBlock="10.2.0.0/16")

@pytest.mark.runnerlink_keep_state
def test_c_keeps_state(runnerlink):
    assert vpcs(runnerlink) == ["10.2.0.0/16"]

def test_d_sees_its_own_traffic(runnerlink):
    runnerlink.client("apprunner").list_services()
    assert [e["operation"] for e in runnerlink.traffic()] == ["ListServices"]

@pytest.mark.runnerlink_account("111122223333")
def test_e_in_another_account(runnerlink):
    assert runnerlink.client("sts").get_caller_identity()["Account"] == "111122223333"
"""


def run_inline(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """A run in this process, without the plugins these runs don't need (blocking an absent one is no error)."""
    return pytester.runpytest(*PLUGIN_ARGS, "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:benchmark", *args)


def test_a_file_using_only_the_plugin_starts_each_test_clean(pytester):
    pytester.makepyfile(test_clean=CLEAN_STATE.format(mode="inprocess"))
    result = run_inline(pytester)
    result.assert_outcomes(passed=5)


def test_the_sqlite_store_from_the_ini_file_and_the_command_line_over_it(pytester, monkeypatch):
    pytester.makeini("[pytest]\nrunnerlink_store = sqlite\n")
    pytester.makepyfile(test_store="""
        import os
        def test_store(runnerlink, runnerlink_server):
            runnerlink.client("ec2").create_vpc(CidrBlock="10.3.0.0/16")
            state = runnerlink_server.health()["state"]
            assert state == "memory" if os.environ["EXPECT"] == "memory" else os.path.isdir(state)
    """)
    monkeypatch.setenv("EXPECT", "sqlite")
    run_inline(pytester).assert_outcomes(passed=1)
    monkeypatch.setenv("EXPECT", "memory")
    run_inline(pytester, "--runnerlink-store", "memory").assert_outcomes(passed=1)


def test_the_subprocess_mode_with_the_sqlite_store(pytester):
    pytester.makepyfile(test_clean=CLEAN_STATE.format(mode="subprocess"))
    run_inline(pytester, "--runnerlink-mode", "subprocess", "--runnerlink-store", "sqlite").assert_outcomes(passed=5)


def test_the_external_mode_resets_only_its_account(pytester):
    """A server the test run did not start: used at its URL, left running, and only the run's own account emptied
    (an external server may be shared)."""
    with start_server("inprocess", ServerOptions()) as server:
        other = boto3.client("ec2", endpoint_url=server.url, region_name="us-east-1",
                             aws_access_key_id="210987654321", aws_secret_access_key="test")
        other.create_vpc(CidrBlock="10.9.0.0/16")
        pytester.makepyfile(test_clean=CLEAN_STATE.format(mode="external"))
        run_inline(pytester, "--runnerlink-url", server.url).assert_outcomes(passed=5)
        assert server.health()["status"] == "running"
        assert "10.9.0.0/16" in [v["CidrBlock"] for v in other.describe_vpcs()["Vpcs"]]


@pytest.mark.parametrize("args, env, says", [
    (("--runnerlink-mode", "docker"), {}, "invalid choice: 'docker'"),
    (("--runnerlink-store", "postgres"), {}, "invalid choice: 'postgres'"),
    (("--runnerlink-lifecycle-delay", "soon"), {}, "invalid float value: 'soon'"),
    (("--runnerlink-lifecycle-delay", "-1"), {}, "the lifecycle delay is a number of seconds ≥ 0, not '-1.0'"),
    ((), {"RUNNERLINK_TEST_STORE": "disk"}, "the store is one of memory, sqlite, not 'disk'"),
    (("--runnerlink-mode", "external"), {}, "the external mode needs the server's URL"),
    ((), {"RUNNERLINK_TEST_ACCOUNT": "12345"}, "the account is a 12-digit AWS account id, not '12345'"),
    (("--runnerlink-init", "absent.json"), {}, "the state document absent.json is not a file"),
    (("--runnerlink-url", "http://127.0.0.1:1", "--runnerlink-init", "test_nothing.py"), {},
     "an external server is seeded by its own `runnerlink serve --init`"),
])
def test_a_bad_option_value_is_a_usage_error(pytester, monkeypatch, args, env, says):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(test_nothing="def test_nothing(runnerlink): pass")
    result = run_inline(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert says in "\n".join(result.errlines)


def test_each_xdist_worker_has_a_server_of_its_own(pytester, monkeypatch):
    pytester.makepyfile(test_workers="""
        import json, os
        def test_where(runnerlink, worker_id):
            runnerlink.client("ec2").create_vpc(CidrBlock="10.4.0.0/16")
            with open(os.environ["OUT"], "a") as out:
                out.write(json.dumps([worker_id, runnerlink.url, os.getpid()]) + "\\n")
    """)
    out = pytester.path / "where.jsonl"
    monkeypatch.setenv("OUT", str(out))
    for name in [n for n in os.environ if n.startswith("PYTEST_XDIST_")]:  # this suite's own worker, if any
        monkeypatch.delenv(name)
    result = pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider", "-p", "no:benchmark", "-n", "2",
                                           "--dist", "each")
    result.assert_outcomes(passed=2)
    seen = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(worker for worker, _, _ in seen) == ["gw0", "gw1"]
    assert len({url for _, url, _ in seen}) == 2 and len({pid for _, _, pid in seen}) == 2


def test_the_marker_and_options_are_in_pytest_help(pytester):
    result = run_inline(pytester, "--markers")
    result.stdout.fnmatch_lines(["*runnerlink_keep_state*", "*runnerlink_account(account_id)*"])
    result = run_inline(pytester, "--help")
    result.stdout.fnmatch_lines(["*--runnerlink-mode={inprocess,subprocess,external}*", "*--runnerlink-store*"])


def test_a_failed_tests_report_shows_its_requests(pytester):
    pytester.makepyfile(test_fails="""
        def test_fails(runnerlink):
            runnerlink.client("ec2").create_vpc(CidrBlock="10.6.0.0/16")
            runnerlink.client("apprunner").list_services()
            assert False, "on purpose"

        def test_passes(runnerlink):
            runnerlink.client("apprunner").list_services()
    """)
    result = run_inline(pytester, "-rA")
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    section = text[text.index("runnerlink traffic"):]
    assert "ec2.CreateVpc" in section and "apprunner.ListServices" in section and "200" in section
    assert text.count("runnerlink traffic") == 1  # not under the passing test


def test_each_test_starts_from_the_init_document(pytester):
    """--runnerlink-init: the state a test starts from is the document's (a network exported once), not empty."""
    with start_server("inprocess") as server:
        ec2 = boto3.client("ec2", endpoint_url=server.url, region_name="us-east-1",
                           aws_access_key_id="123456789012", aws_secret_access_key="test")
        ec2.create_vpc(CidrBlock="10.8.0.0/16")
        document = json.loads(urllib.request.urlopen(f"{server.url}/_runnerlink/state", timeout=10).read())
    (pytester.path / "network.json").write_text(json.dumps(document))
    pytester.makepyfile(test_seeded="""
        def cidrs(runnerlink):
            return [v["CidrBlock"] for v in runnerlink.client("ec2").describe_vpcs()["Vpcs"] if not v["IsDefault"]]

        def test_a_removes_the_seeded_vpc(runnerlink):
            [vpc] = [v for v in runnerlink.client("ec2").describe_vpcs()["Vpcs"] if not v["IsDefault"]]
            assert vpc["CidrBlock"] == "10.8.0.0/16"
            runnerlink.client("ec2").delete_vpc(VpcId=vpc["VpcId"])
            assert cidrs(runnerlink) == []

        def test_b_has_it_again(runnerlink):
            assert cidrs(runnerlink) == ["10.8.0.0/16"]
    """)
    run_inline(pytester, "--runnerlink-init", "network.json").assert_outcomes(passed=2)


def test_a_conftest_gives_the_server_other_settings(pytester):
    pytester.makeconftest("""
        import pytest
        from runnerlink.testing import ServerOptions

        @pytest.fixture(scope="session")
        def runnerlink_server_options():
            return ServerOptions(settings={"iam": "enforce"})
    """)
    pytester.makepyfile(test_enforced="""
        import boto3, botocore.exceptions, pytest

        def test_signatures_are_verified(runnerlink):
            assert runnerlink.client("sts").get_caller_identity()["Account"] == runnerlink.account
            wrong = boto3.client("sts", endpoint_url=runnerlink.url, region_name="us-east-1",
                                 aws_access_key_id=runnerlink.account, aws_secret_access_key="wrong")
            with pytest.raises(botocore.exceptions.ClientError, match="SignatureDoesNotMatch"):
                wrong.get_caller_identity()
    """)
    run_inline(pytester).assert_outcomes(passed=1)
