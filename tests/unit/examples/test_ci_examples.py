"""The CI examples (examples/ci/) can't rot silently: each parses as YAML, and every `runnerlink …` command they run
is a subcommand `runnerlink --help` lists, with options that subcommand's --help lists."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "ci"
FILES = ("github-actions.yml", "gitlab-ci.yml")
COMMAND = re.compile(r"(?:^|[\s;&|({])runnerlink\s+([^;&|>)]*)")
NESTED = {"state"}  # subcommands whose first argument is a subcommand of their own


@lru_cache(maxsize=None)
def help_of(*command: str) -> str:
    done = subprocess.run([sys.executable, "-m", "runnerlink", *command, "--help"], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def subcommands(*command: str) -> set[str]:
    found = re.search(r"\{([a-z,-]+)\}", help_of(*command))
    assert found, help_of(*command)
    return set(found.group(1).split(","))


def scripts(document: dict) -> list[str]:
    """Every shell script of the file: GitHub's steps' `run`, GitLab's before_script/script/after_script."""
    found: list[str] = []
    for job in (document.get("jobs") or {}).values():
        found += [step["run"] for step in job.get("steps", []) if "run" in step]
    for job in document.values():
        if isinstance(job, dict):
            for part in ("before_script", "script", "after_script"):
                found += list(job.get(part) or [])
    return found


def runnerlink_commands(script: str) -> list[list[str]]:
    return [match.group(1).split() for line in script.splitlines() for match in COMMAND.finditer(line)]


@pytest.mark.parametrize("name", FILES)
def test_every_runnerlink_command_and_option_exists(name):
    document = yaml.safe_load((EXAMPLES / name).read_text())
    commands = [c for script in scripts(document) for c in runnerlink_commands(script)]
    used = {words[0] for words in commands}
    assert {"serve", "wait"} <= used, used  # what the examples are for: a seeded server, waited for
    for words in commands:
        assert words[0] in subcommands(), words
        path = words[:2] if words[0] in NESTED else words[:1]
        if words[0] in NESTED:
            assert words[1] in subcommands(words[0]), words
        for option in (w.split("=")[0] for w in words if w.startswith("--")):
            assert re.search(rf"(^|\s){re.escape(option)}\b", help_of(*path)), (words, option)


@pytest.mark.parametrize("name", FILES)
def test_the_example_serves_with_init_then_waits_then_applies_and_tests(name):
    document = yaml.safe_load((EXAMPLES / name).read_text())
    text = "\n".join(scripts(document))
    steps = (r"runnerlink serve --state memory --init", r"runnerlink wait", r"terraform (-chdir=\S+ )?init",
             r"terraform (-chdir=\S+ )?apply", r"(?m)^\s*pytest ")
    order = [re.search(step, text).start() for step in steps]
    assert order == sorted(order), order
    assert "&" in text.split("runnerlink serve", 1)[1].splitlines()[0]  # in the background


def test_the_checker_notices_a_command_that_does_not_exist():
    commands = runnerlink_commands("runnerlink bogus --x && echo ok\nuse runnerlink state frobnicate")
    assert commands == [["bogus", "--x"], ["state", "frobnicate"]]
    assert "bogus" not in subcommands() and "frobnicate" not in subcommands("state")
