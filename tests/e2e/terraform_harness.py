"""Driving the terraform CLI (hashicorp/aws 5.100.0 from the local filesystem mirror) against a real `runnerlink serve`.

Shared by the Terraform test modules (test_terraform.py: App Runner; test_terraform_network.py: EC2 networking and
PrivateLink). A test module calls `skip_without_terraform()` at import and imports the fixtures it uses:

    from tests.e2e.terraform_harness import account, skip_without_terraform, tf_home, tf_server, workspace

Each module gets a dedicated server (module scope), with a lifecycle delay long enough that the provider's waiters
really wait. `workspace(name)` copies tests/e2e/terraform/<name> plus provider.tf into a fresh directory, speaking to
that server as an account of the test's own. Nothing is downloaded: the provider comes from the filesystem mirror
(terraform links it, it does not copy it), and `terraform init` runs once per module; the workspaces share its data
directory and lock file. On a failure the message carries the HTTP exchanges from the provider's debug log
(TF_LOG_PROVIDER=DEBUG): error responses with the requests that caused them, SDK retries, and the last exchanges.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.server import RunningServer

TERRAFORM = shutil.which("terraform")
MIRROR = Path(os.environ.get("RUNNERLINK_TF_MIRROR", "/opt/tf-plugins"))
PROVIDER_PACKAGE = MIRROR / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0" / "linux_amd64"
CONFIGS = Path(__file__).parent / "terraform"
LIFECYCLE_DELAY = 1.0
COMMAND_TIMEOUT = 300  # seconds; the provider's own waiters give up only after 2 to 20 minutes
UPDATED = "-var-file=updated.tfvars"

CLI_CONFIG = f"""
provider_installation {{
  filesystem_mirror {{
    path    = "{MIRROR}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }}
  direct {{
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }}
}}
"""


def skip_without_terraform() -> None:
    """Skip the calling test module when terraform or the provider mirror is absent."""
    if TERRAFORM is None:
        pytest.skip("terraform is not on PATH", allow_module_level=True)
    if not any(PROVIDER_PACKAGE.glob("terraform-provider-aws_v5.100.0*")):
        pytest.skip(f"no hashicorp/aws 5.100.0 provider in the filesystem mirror {MIRROR}", allow_module_level=True)


# --- the provider's debug log ------------------------------------------------------------------------------------

_ENTRY_START = re.compile(r"^\d{4}-\d\d-\d\dT", re.M)
_SERVICE = re.compile(r"\brpc\.service=(\S+)")
_METHOD = re.compile(r"\brpc\.method=(\S+)")
_TARGET = re.compile(r"http\.request\.header\.x_amz_target=(\S+)")
_STATUS = re.compile(r"http\.status_code=(\d+)")
_REQ_ID = re.compile(r"\btf_req_id=(\S+)")
_RETRY = re.compile(r"retrying request (\S+), attempt (\d+)")


def _entries(log: str):
    """(kind, service, method, tf_req_id, status, body) for each HTTP request/response or retry in a debug log.

    An entry is a timestamped line plus its continuation lines; bodies are continuation lines starting with "| ".
    """
    starts = [m.start() for m in _ENTRY_START.finditer(log)] + [len(log)]
    for begin, end in zip(starts, starts[1:]):
        entry = log[begin:end]
        first_line = entry.split("\n", 1)[0]
        retry = _RETRY.search(first_line)
        if "HTTP Request Sent" in first_line:
            kind = "->"
        elif "HTTP Response Received" in first_line:
            kind = "<-"
        elif retry:
            kind = "!!"
        else:
            continue
        service = _SERVICE.search(entry)
        target = _TARGET.search(entry)
        method = _METHOD.search(entry)
        name = (target.group(1) if target else method.group(1) if method else "?")
        status = _STATUS.search(entry)
        req_id = _REQ_ID.search(entry)
        body = " ".join(line.strip()[2:] for line in entry.splitlines() if line.strip().startswith("| "))
        if kind == "!!":
            body = f"retrying {retry.group(1)}, attempt {retry.group(2)} (the previous attempt got no response)"
        yield (kind, service.group(1) if service else "?", name, req_id.group(1) if req_id else "",
               status.group(1) if status else "", body)


def _line(entry, width: int = 2000) -> str:
    kind, service, name, _, status, body = entry
    body = body.replace('<?xml version="1.0" encoding="UTF-8"?> ', "")
    return f"{kind} {service} {name}{' ' + status if status else ''} {body[:width]}{'…' if len(body) > width else ''}"


def http_exchanges(log: str, services: tuple[str, ...] = ("AppRunner", "EC2", "STS"), limit: int = 12) -> str:
    """The HTTP exchanges of a provider debug log worth reading on a failure, one line each (bodies included):
    every error response (status >= 400) with the request that caused it, every SDK retry, then the last `limit`
    exchanges. Concurrent calls interleave, so a response follows its request but not necessarily immediately.
    """
    entries = [e for e in _entries(log) if e[1] in services]
    errors: list[str] = []
    for index, entry in enumerate(entries):
        if entry[0] == "!!" or (entry[0] == "<-" and entry[4] and int(entry[4]) >= 400):
            request = next((e for e in reversed(entries[:index])
                            if e[0] == "->" and e[2] == entry[2] and e[3] == entry[3]), None)
            errors.extend(([_line(request)] if request and entry[0] == "<-" else []) + [_line(entry)])
    tail = [_line(e, 600) for e in entries[-limit:]]
    parts = []
    if errors:
        parts.append("errors and retries:\n" + "\n".join(errors[-24:]))
    parts.append(f"last {len(tail)} exchanges:\n" + "\n".join(tail))
    return "\n".join(parts)


# --- terraform ---------------------------------------------------------------------------------------------------


class Terraform:
    """One working directory holding a copy of a configuration, driven with the terraform CLI."""

    def __init__(self, workdir: Path, env: dict, name: str, services: tuple[str, ...] = ("AppRunner", "EC2", "STS")):
        self.workdir = workdir
        self.env = env
        self.name = name
        self.services = services
        self.logs = workdir / "logs"
        self.logs.mkdir()
        self._count = itertools.count(1)

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
        log = self.logs / f"{next(self._count):02d}-{args[0]}.log"
        env = {**self.env, "TF_LOG_PROVIDER": "DEBUG", "TF_LOG_PATH": str(log)}
        process = subprocess.Popen([TERRAFORM, *args], cwd=self.workdir, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # terraform and the provider plugin it started
            stdout, stderr = process.communicate()
            stderr += f"\n[test harness] killed after {COMMAND_TIMEOUT} s"
            process.returncode = -9
        result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        if result.returncode not in ok:
            exchanges = http_exchanges(log.read_text(errors="replace"), self.services) if log.exists() else "(no log)"
            pytest.fail(
                f"[{self.name}] terraform {' '.join(args)} exited {result.returncode} (expected {ok})\n"
                f"--- stderr ---\n{result.stderr[-6000:]}\n--- stdout (tail) ---\n{result.stdout[-6000:]}\n"
                f"--- HTTP exchanges from the provider's debug log (full log: {log}) ---\n{exchanges}",
                pytrace=False,
            )
        return result

    def apply(self, *extra: str) -> subprocess.CompletedProcess:
        return self.run("apply", "-auto-approve", "-input=false", "-no-color", *extra)

    def assert_no_changes(self, *extra: str) -> None:
        """`terraform plan -detailed-exitcode` exits 0: what the provider reads back matches the configuration."""
        result = self.run("plan", "-detailed-exitcode", "-input=false", "-no-color", *extra, ok=(0, 2))
        if result.returncode == 2:
            pytest.fail(f"[{self.name}] the plan after apply is not empty (drift between what was sent and what "
                        f"runnerlink returns):\n{plan_summary(result.stdout)}", pytrace=False)

    def destroy(self, *extra: str) -> subprocess.CompletedProcess:
        return self.run("destroy", "-auto-approve", "-input=false", "-no-color", *extra)

    def outputs(self) -> dict:
        result = self.run("output", "-json", "-no-color")
        return {name: value["value"] for name, value in json.loads(result.stdout).items()}

    def state_list(self) -> list[str]:
        return self.run("state", "list", "-no-color").stdout.split()

    def retried_requests(self) -> list[str]:
        """The SDK retries (`Service/Operation, attempt N`) in all debug logs so far."""
        found = []
        for log in sorted(self.logs.glob("*.log")):
            found += [f"{log.name}: {m.group(1)}, attempt {m.group(2)}" for m in _RETRY.finditer(log.read_text())]
        return found


def plan_summary(stdout: str) -> str:
    start = stdout.find("Objects have changed outside of Terraform")
    if start < 0:
        start = stdout.find("Terraform will perform")
    return stdout[start if start >= 0 else 0:][-8000:]


# --- fixtures (import them into the test module) -----------------------------------------------------------------

_accounts = itertools.count(210000000001)


@pytest.fixture(scope="module")
def tf_server():
    """A dedicated server for the module, with a lifecycle delay long enough that the provider's waiters really wait."""
    running = RunningServer(state="memory", lifecycle_delay=LIFECYCLE_DELAY).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def tf_home(tmp_path_factory):
    """CLI configuration (filesystem mirror only), a shared data directory, and one `terraform init`."""
    home = tmp_path_factory.mktemp("terraform-home")
    (home / "cli.tfrc").write_text(CLI_CONFIG)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "TF_"))}
    env.update({
        "TF_CLI_CONFIG_FILE": str(home / "cli.tfrc"),
        "TF_DATA_DIR": str(home / "data"),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",  # no version check against checkpoint-api.hashicorp.com
        "HOME": str(home),  # no ~/.aws, no ~/.terraformrc
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    init_dir = home / "init"
    init_dir.mkdir()
    shutil.copy(CONFIGS / "provider.tf", init_dir)
    result = subprocess.run([TERRAFORM, "init", "-input=false", "-no-color"], cwd=init_dir, env=env,
                            capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    if result.returncode != 0:
        pytest.fail(f"terraform init from the mirror failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return {"env": env, "lock": init_dir / ".terraform.lock.hcl"}


@pytest.fixture(scope="module")
def sts_available(tf_server) -> bool:
    """Whether runnerlink answers sts:GetCallerIdentity, so the provider may learn the account id itself."""
    try:
        identity = tf_server.client("sts", account="210000000000").get_caller_identity()
    except Exception:  # not routed: unknown service, unknown operation, …
        return False
    return identity.get("Account") == "210000000000"


@pytest.fixture
def account() -> str:
    """A 12-digit account of the test's own: resources are isolated per account."""
    return str(next(_accounts))


@pytest.fixture
def workspace(tf_home, tf_server, sts_available, account, tmp_path):
    """workspace(name) → a Terraform over a copy of tests/e2e/terraform/<name>, speaking to tf_server as `account`."""

    def make(name: str) -> Terraform:
        workdir = tmp_path / name
        shutil.copytree(CONFIGS / name, workdir)
        shutil.copy(CONFIGS / "provider.tf", workdir)
        shutil.copy(tf_home["lock"], workdir)
        env = {**tf_home["env"], "TF_VAR_runnerlink_endpoint": tf_server.url, "TF_VAR_account_id": account,
               "TF_VAR_skip_requesting_account_id": "false" if sts_available else "true"}
        return Terraform(workdir, env, name)

    return make
