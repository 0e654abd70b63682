"""What to build and run for an App Runner service: one RunSpec from apprunner.yaml, CodeConfigurationValues or
ImageConfiguration, refusing what App Runner itself would refuse."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

CONFIG_FILE = "apprunner.yaml"
DEFAULT_PORT = 8080

# apprunner.yaml's runtime names (<language-name><major-version>) and the API's Runtime enum.
YAML_RUNTIMES: Mapping[str, str] = MappingProxyType({
    "python3": "PYTHON_3",
    "python311": "PYTHON_311",
    "nodejs12": "NODEJS_12",
    "nodejs14": "NODEJS_14",
    "nodejs16": "NODEJS_16",
    "nodejs18": "NODEJS_18",
    "nodejs22": "NODEJS_22",
    "corretto8": "CORRETTO_8",
    "corretto11": "CORRETTO_11",
    "dotnet6": "DOTNET_6",
    "php81": "PHP_81",
    "ruby31": "RUBY_31",
    "go1": "GO_1",
})
API_RUNTIMES = frozenset(YAML_RUNTIMES.values())

# The runtimes the developer guide's release pages list under "revised App Runner build". The configuration file
# reference says run.pre-run is supported only by the revised build and must not be used with runtimes of the
# original build, so code_spec refuses it for the others. pre-build is documented for every runtime.
REVISED_BUILD = frozenset({"PYTHON_311", "NODEJS_18", "NODEJS_22"})

PHASES = ("pre-build", "build", "post-build")


class SpecError(Exception):
    """A configuration App Runner would refuse; str() is a clear message naming the file/field."""


@dataclass(frozen=True)
class RunSpec:
    runtime: str
    build: tuple[tuple[str, tuple[str, ...]], ...]
    build_env: Mapping[str, str]
    pre_run: tuple[str, ...]
    command: str | None
    port: int
    port_env: str | None
    env: Mapping[str, str]
    secrets: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    runtime_version: str | None = None  # run.runtime-version, recorded only: the machine's runtime is what runs


def code_spec(code_repository: dict, source_root: Path) -> RunSpec:
    """The RunSpec of a source-code service. source_root is the repository's SourceDirectory, already checked out."""
    configuration = code_repository.get("CodeConfiguration") or {}
    source = configuration.get("ConfigurationSource")
    if source == "REPOSITORY":
        return _from_file(Path(source_root) / CONFIG_FILE)
    if source == "API":
        return _from_values(configuration.get("CodeConfigurationValues"))
    raise SpecError(f"CodeConfiguration.ConfigurationSource must be REPOSITORY or API, not {source!r}")


def image_spec(image_repository: dict) -> RunSpec:
    """The RunSpec of an image service: the image's own build, ImageConfiguration's start command, port and env."""
    values = image_repository.get("ImageConfiguration") or {}
    where = "ImageConfiguration"
    return RunSpec(
        runtime="IMAGE", build=(), build_env=_frozen({}), pre_run=(),
        command=_optional_command(values.get("StartCommand"), f"{where}.StartCommand"),
        port=_port(values.get("Port"), f"{where}.Port"), port_env=None,
        env=_frozen(_string_map(values.get("RuntimeEnvironmentVariables"), f"{where}.RuntimeEnvironmentVariables")),
        secrets=_frozen(_string_map(values.get("RuntimeEnvironmentSecrets"), f"{where}.RuntimeEnvironmentSecrets")))


def _from_values(values: Any) -> RunSpec:
    where = "CodeConfigurationValues"
    if not isinstance(values, dict):
        raise SpecError(f"{where} is required when ConfigurationSource is API")
    runtime = values.get("Runtime")
    if runtime not in API_RUNTIMES:
        raise SpecError(f"{where}.Runtime {runtime!r} is not a runtime App Runner offers "
                        f"(one of {', '.join(sorted(API_RUNTIMES))})")
    build_command = _optional_command(values.get("BuildCommand"), f"{where}.BuildCommand")
    command = _optional_command(values.get("StartCommand"), f"{where}.StartCommand")
    if command is None:
        raise SpecError(f"{where}.StartCommand is required: a source-code service has no command of its own")
    return RunSpec(
        runtime=runtime, build=((("build", (build_command,)),) if build_command else ()), build_env=_frozen({}),
        pre_run=(), command=command, port=_port(values.get("Port"), f"{where}.Port"), port_env=None,
        env=_frozen(_string_map(values.get("RuntimeEnvironmentVariables"), f"{where}.RuntimeEnvironmentVariables")),
        secrets=_frozen(_string_map(values.get("RuntimeEnvironmentSecrets"), f"{where}.RuntimeEnvironmentSecrets")))


def _from_file(path: Path) -> RunSpec:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{name} was not found in the source directory ({path.parent}); ConfigurationSource "
                        f"REPOSITORY needs one") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{name} could not be read: {exc}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{name} is not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict):
        raise SpecError(f"{name} must be a YAML mapping with version, runtime, build and run sections")
    return _parse_document(document, name)


def _parse_document(doc: dict, name: str) -> RunSpec:
    version = doc.get("version")
    if str(version) != "1.0":
        raise SpecError(f"{name}: version must be 1.0, not {version!r}")
    yaml_runtime = doc.get("runtime")
    if yaml_runtime not in YAML_RUNTIMES:
        raise SpecError(f"{name}: runtime {yaml_runtime!r} is not a managed runtime App Runner offers "
                        f"(one of {', '.join(YAML_RUNTIMES)})")
    runtime = YAML_RUNTIMES[yaml_runtime]

    build = _section(doc, "build", name, required=True)
    commands = build.get("commands")
    if not isinstance(commands, dict):
        raise SpecError(f"{name}: build.commands is required (a mapping with pre-build, build and post-build)")
    unknown = sorted(set(commands) - set(PHASES))
    if unknown:
        raise SpecError(f"{name}: build.commands.{unknown[0]} is not a build phase (pre-build, build, post-build)")
    phases = tuple((phase, _commands(commands.get(phase), f"{name}: build.commands.{phase}")) for phase in PHASES)
    if not dict(phases)["build"]:
        raise SpecError(f"{name}: build.commands.build is required (the commands that build the application)")

    run = _section(doc, "run", name, required=True)
    pre_run = _commands(run.get("pre-run"), f"{name}: run.pre-run")
    if pre_run and runtime not in REVISED_BUILD:
        raise SpecError(f"{name}: run.pre-run is supported only by the revised App Runner build "
                        f"({', '.join(k for k, v in YAML_RUNTIMES.items() if v in REVISED_BUILD)}); "
                        f"runtime {yaml_runtime} uses the original build")
    command = run.get("command")
    if not isinstance(command, str) or not command.strip():
        raise SpecError(f"{name}: run.command is required (the command that starts the application)")
    network = _section(run, "network", f"{name}: run", required=False)
    port_env = network.get("env")
    if port_env is not None and (not isinstance(port_env, str) or not port_env.strip()):
        raise SpecError(f"{name}: run.network.env must be an environment variable name, not {port_env!r}")
    runtime_version = run.get("runtime-version")
    return RunSpec(
        runtime=runtime, build=tuple((p, c) for p, c in phases if c),
        build_env=_frozen(_pairs(build.get("env"), "value", f"{name}: build.env")),
        pre_run=pre_run, command=command.strip(), port=_port(network.get("port"), f"{name}: run.network.port"),
        port_env=port_env, env=_frozen(_pairs(run.get("env"), "value", f"{name}: run.env")),
        secrets=_frozen(_pairs(run.get("secrets"), "value-from", f"{name}: run.secrets")),
        runtime_version=None if runtime_version is None else str(runtime_version))


def _section(parent: dict, key: str, where: str, required: bool) -> dict:
    value = parent.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise SpecError(f"{where}: {key} section is {'required' if value is None else 'not a mapping'}")
    return value


def _commands(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):  # a lone scalar where the reference shows a list of one
        value = [value]
    if not isinstance(value, list) or not all(isinstance(c, str) and c.strip() for c in value):
        raise SpecError(f"{where} must be a list of commands (strings)")
    return tuple(c.strip() for c in value)


def _pairs(value: Any, value_key: str, where: str) -> dict[str, str]:
    """apprunner.yaml's `- name: N / value: V` lists (value-from for secrets)."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise SpecError(f"{where} must be a list of name/{value_key} entries")
    found: dict[str, str] = {}
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise SpecError(f"{where}[{index}] needs a name")
        if value_key not in entry or entry[value_key] is None or isinstance(entry[value_key], (dict, list)):
            raise SpecError(f"{where}[{index}] ({entry['name']}) needs a scalar {value_key}")
        raw = entry[value_key]
        found[entry["name"]] = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
    return found


def _string_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise SpecError(f"{where} must map names to strings")
    return dict(value)


def _optional_command(value: Any, where: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or "\n" in value or "\r" in value:
        raise SpecError(f"{where} must be a single-line command")
    return value.strip()


def _port(value: Any, where: str) -> int:
    if value is None or value == "":
        return DEFAULT_PORT
    if isinstance(value, bool):
        raise SpecError(f"{where} must be an integer port number, not {value!r}")
    try:
        port = int(value) if isinstance(value, int) else int(str(value).strip(), 10)
    except ValueError:
        raise SpecError(f"{where} must be an integer port number, not {value!r}") from None
    if not 1 <= port <= 65535:
        raise SpecError(f"{where} must be between 1 and 65535, not {port}")
    return port


def _frozen(mapping: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))
