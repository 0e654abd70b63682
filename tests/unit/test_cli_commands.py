"""The command table of `runnerlink`: each command's module is loaded only when that command runs."""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import subprocess
import sys

from runnerlink.cli import COMMAND_MODULES, _command_modules

ALL = [module for module, _ in COMMAND_MODULES]


def test_the_table_lists_exactly_the_commands_each_module_adds():
    for module_name, names in COMMAND_MODULES:
        parser = argparse.ArgumentParser(prog="runnerlink")
        commands = parser.add_subparsers(dest="command")
        importlib.import_module(module_name).add_parser(commands)
        assert tuple(commands.choices) == names, module_name


def test_a_command_first_loads_its_module_only():
    assert _command_modules(["policy", "simulate", "cases.json"]) == ["runnerlink.cli_policy"]
    assert _command_modules(["trace", "--subnet", "subnet-1"]) == ["runnerlink.cli_network"]
    assert _command_modules(["logs"]) == ["runnerlink.cli_apps"]
    # Help, --version before a command, no command or an unknown one: every command, in the table's order.
    for argv in ([], ["--help"], ["-h", "policy"], ["--version"], ["polic"], ["serve"]):
        assert _command_modules(argv) == ALL, argv


def test_policy_simulate_loads_neither_the_audit_engine_nor_http_clients():
    case = {"request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "apprunner:ListServices"},
            "identityPolicies": [{"Version": "2012-10-17",
                                  "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]}
    script = ("import sys\nfrom runnerlink.cli import main\nstatus = main(['policy', 'simulate', '-'])\n"
              "print(sorted(sys.modules), file=sys.stderr)\nsys.exit(status)\n")
    result = subprocess.run([sys.executable, "-c", script], input=json.dumps(case), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["decision"] == "allowed"
    loaded = set(ast.literal_eval(result.stderr.strip().splitlines()[-1]))
    assert "runnerlink.cli_policy" in loaded and "runnerlink.policy.evaluate" in loaded
    heavy = {"runnerlink.audit", "runnerlink.network", "runnerlink.server", "runnerlink.cli_audit",
             "urllib.request", "http.client", "botocore", "boto3", "uvicorn"}
    assert not heavy & loaded, heavy & loaded
