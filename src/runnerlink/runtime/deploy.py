"""One deployment of a service: what it runs (a local source directory, an image's stand-in command, or an image
through a container engine), its build into a directory of its own, and the start of an instance of it.

A built deployment is saved as deployment.json in its directory, so a restarted server (or a resume) starts it
again without building it anew, as App Runner resumes "the last deployed version".
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from runnerlink.runtime import containers, runtimes, spec as specs, workspace
from runnerlink.runtime.containers import Engine
from runnerlink.runtime.instance import Instance, run_logged
from runnerlink.runtime.logs import ServiceLog
from runnerlink.runtime.sources import SourceMap

BUILD_TIMEOUT = 20 * 60.0  # App Runner gives a build 20 minutes? (unsure); a hung step must not hold a deployment
# Variables of runnerlink's own process a build or an application must not inherit.
_PRIVATE_PREFIXES = ("RUNNERLINK_", "AWS_", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY",
                     "no_proxy", "PYTEST_", "VIRTUAL_ENV")


# What the egress settings give an application that only makes sense on this host (not inside a container): the
# gateway, the CA bundle's path, and the container credentials endpoint on the host's loopback address.
HOST_ONLY = frozenset({"HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy",
                       "AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE",
                       "NODE_EXTRA_CA_CERTS", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                       "AWS_CONTAINER_AUTHORIZATION_TOKEN"})


class DeployFailure(Exception):
    """Why a deployment did not come up; str() is said in the deployment log and `runnerlink services`."""


@dataclass(frozen=True)
class Plan:
    kind: str  # "code" | "stand-in" | "container"
    directory: Path | None = None  # code: the local repository
    command: str | None = None  # stand-in: the command standing in for the image
    engine: Engine | None = None  # container


def plan(record: dict, sources: SourceMap, engine: Callable[[], tuple[Engine | None, str]]) -> Plan | str:
    """What runs the service's source here, or why nothing can (the service then runs as a record only)."""
    source = record["SourceConfiguration"]
    image = source.get("ImageRepository")
    if image is not None:
        identifier = image["ImageIdentifier"]
        command = sources.command_for(identifier)
        if command is not None:
            return Plan("stand-in", command=command)
        found, why_not = engine()
        if found is not None:
            return Plan("container", engine=found)
        return (f"image {identifier} can't run here: {why_not}, and no stand-in maps it (runnerlink serve "
                f"--image {identifier}=COMMAND)")
    url = source["CodeRepository"]["RepositoryUrl"]
    directory = sources.directory_for(url)
    if directory is None:
        return (f"runnerlink has no local copy of {url}: map it to a directory (runnerlink serve --source "
                f"{url}=DIR, or RUNNERLINK_SOURCES) or use a file:// URL")
    return Plan("code", directory=directory)


@dataclass
class Built:
    """A deployment ready to start."""

    deployment: str
    kind: str
    workdir: str  # where the instance runs
    spec: dict  # the RunSpec, as a dict
    env: dict[str, str] = field(default_factory=dict)  # what the runtime adds (a virtualenv's PATH …)
    image: str | None = None
    command: str | None = None  # the stand-in's command
    engine: dict | None = None

    def save(self, directory: Path) -> None:
        (directory / "deployment.json").write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "Built | None":
        try:
            return cls(**json.loads((directory / "deployment.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None


def base_environment() -> dict[str, str]:
    """The machine's environment without runnerlink's own settings, credentials and proxies."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_PRIVATE_PREFIXES)}


def build(chosen: Plan, record: dict, deployment: str, directory: Path, log: ServiceLog) -> Built:
    """Prepare the deployment in directory (made anew): check out and build a source, or set up an image's run."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    source = record["SourceConfiguration"]
    if chosen.kind != "code":
        image = source["ImageRepository"]
        try:
            run_spec = specs.image_spec(image)
            start_args = shlex.split(run_spec.command or "")
        except specs.SpecError as error:
            raise DeployFailure(str(error)) from None
        except ValueError as error:  # unbalanced quotes: neither an engine nor a shell could split it
            raise DeployFailure(f"ImageConfiguration.StartCommand {run_spec.command!r} can't be split into "
                                f"arguments ({error})") from None
        engine = asdict(chosen.engine) if chosen.engine is not None else None
        built = Built(deployment, chosen.kind, str(directory), _spec_dict(run_spec), image=image["ImageIdentifier"],
                      command=chosen.command, engine=engine)
        log.event(f"Deployment {deployment}: image {image['ImageIdentifier']} runs "
                  + (f"as the stand-in command {chosen.command!r}" if chosen.command else
                     f"in {chosen.engine.name if chosen.engine else 'a container engine'}")
                  + (f" with the StartCommand arguments {start_args}" if start_args else ""), deployment)
        built.save(directory)
        return built
    code = source["CodeRepository"]
    assert chosen.directory is not None
    version = code.get("SourceCodeVersion")
    log.event(f"Deployment {deployment}: checking out {code['RepositoryUrl']} ({chosen.directory}) at "
              f"{(version or {}).get('Type', 'BRANCH').lower()} {(version or {}).get('Value', '(working tree)')}",
              deployment)
    try:
        root = workspace.checkout(chosen.directory, version, code.get("SourceDirectory"), directory / "source")
        run_spec = specs.code_spec(code, root)
    except (workspace.CheckoutError, specs.SpecError) as error:
        raise DeployFailure(str(error)) from None
    local = runtimes.local_runtime(run_spec.runtime)
    if not local.available:
        raise DeployFailure(local.reason)
    env = runtimes.prepare_environment(local, root)
    build_env = {**base_environment(), **run_spec.build_env, **env}
    for phase, commands in run_spec.build:
        for command in commands:
            log.event(f"Deployment {deployment}: {phase}: {command}", deployment)
            status = run_logged(["/bin/sh", "-c", command], root, build_env, log, deployment, BUILD_TIMEOUT)
            if status != 0:
                raise DeployFailure(f"the {phase} command {command!r} exited with status {status}")
    built = Built(deployment, "code", str(root), _spec_dict(run_spec), env=env)
    built.save(directory)
    log.event(f"Deployment {deployment}: build succeeded ({run_spec.runtime})", deployment)
    return built


def launch(built: Built, port: int, extra_env: Mapping[str, str], log: ServiceLog, name: str,
           apps_dir: Path | None = None) -> Instance:
    """Start an instance of the deployment listening on port (PORT, and the configuration's port variable); noted
    under apps_dir while it runs (runtime.orphans)."""
    run_spec = built.spec
    ports = {"PORT": str(port)}
    if run_spec.get("port_env"):
        ports[run_spec["port_env"]] = str(port)
    variables = {**run_spec.get("env", {}), **extra_env, **ports}
    for variable in ("NO_PROXY", "no_proxy"):  # the app's own exceptions to the proxy add to runnerlink's
        own = run_spec.get("env", {}).get(variable)
        if own and extra_env.get(variable):
            variables[variable] = f"{extra_env[variable]},{own}"
    if built.kind == "container":
        assert built.engine is not None and built.image is not None
        engine = Engine(**built.engine)
        # The gateway's address and the CA bundle's path are the host's, not the container's: a container's
        # outbound traffic is not placed on the subnet gateway (it leaves directly).
        inside = {k: v for k, v in variables.items() if k not in HOST_ONLY}
        argv = containers.run_command(engine, built.image, name, port, int(run_spec["port"]),
                                      {**inside, "PORT": str(run_spec["port"])}, run_spec.get("command"))
        return Instance(argv, Path(built.workdir), base_environment(), port, log, built.deployment,
                        stop_argv=containers.stop_command(engine, name), apps_dir=apps_dir)
    command = run_spec.get("command")
    if built.kind == "stand-in":
        # The stand-in plays the image's ENTRYPOINT: StartCommand, which replaces an image's CMD, reaches it as
        # arguments, as an engine passes it to an ENTRYPOINT (containers.run_command).
        assert built.command is not None
        command = built.command + "".join(" " + shlex.quote(arg) for arg in shlex.split(command or ""))
    if not command:
        raise DeployFailure("the configuration has no start command")
    script = "set -e\n" + "".join(f"{line}\n" for line in run_spec.get("pre_run", ())) + command + "\n"
    env = {**base_environment(), **built.env, **variables}
    return Instance(["/bin/sh", "-c", script], Path(built.workdir), env, port, log, built.deployment,
                    apps_dir=apps_dir)


def _spec_dict(run_spec: specs.RunSpec) -> dict:
    """The RunSpec as JSON-able data (its mappings are read-only views, which asdict can't copy)."""
    return {"runtime": run_spec.runtime, "build": [[phase, list(commands)] for phase, commands in run_spec.build],
            "build_env": dict(run_spec.build_env), "pre_run": list(run_spec.pre_run), "command": run_spec.command,
            "port": run_spec.port, "port_env": run_spec.port_env, "env": dict(run_spec.env),
            "secrets": dict(run_spec.secrets), "runtime_version": run_spec.runtime_version}
