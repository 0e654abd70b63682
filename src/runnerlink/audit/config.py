"""The audit's configuration: which rules run, which services a solution calls, which subnets build and deploy.

Read from a TOML file (`--config`, default `runnerlink-audit.toml` in the working directory when present):

    disable = ["public-vpc"]                       # rule ids switched off
    expected_services = ["codebuild", "ecr.api"]   # besides apprunner, the services the VPCs' workloads call
    build_subnets = ["subnet-0abc…", "aws_subnet.build"]   # build/deploy subnets (ids or Terraform addresses)
    [severity]
    public-vpc = "medium"                          # a rule's severity, changed
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from runnerlink.audit.findings import SEVERITIES

DEFAULT_FILE = "runnerlink-audit.toml"
_KEYS = {"disable", "expected_services", "build_subnets", "severity"}


class ConfigError(ValueError):
    """The configuration file can't be used (named in the message)."""


@dataclass(frozen=True)
class AuditConfig:
    disable: frozenset[str] = frozenset()
    expected_services: tuple[str, ...] = ()  # apprunner is always expected
    build_subnets: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)

    @property
    def services(self) -> tuple[str, ...]:
        """Every service the audit expects an endpoint for: apprunner first, then the configured ones."""
        return tuple(dict.fromkeys(("apprunner", *self.expected_services)))


def parse(data: dict, where: str = "the audit configuration") -> AuditConfig:
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(_KEYS))})")
    lists = {}
    for key in ("disable", "expected_services", "build_subnets"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of strings")
        lists[key] = value
    severity = data.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f"{where}: [severity] must be a table of rule id = severity")
    for rule, level in severity.items():
        if level not in SEVERITIES:
            raise ConfigError(f"{where}: severity of {rule} is {level!r}, not one of {', '.join(SEVERITIES)}")
    return AuditConfig(frozenset(lists["disable"]), tuple(lists["expected_services"]), tuple(lists["build_subnets"]),
                       dict(severity))


def load(path: str | Path | None) -> AuditConfig:
    """The configuration in path; with None, the default file when it exists, else the defaults."""
    if path is None:
        if not Path(DEFAULT_FILE).is_file():
            return AuditConfig()
        path = DEFAULT_FILE
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    return parse(data, str(path))
