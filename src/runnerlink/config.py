"""Settings: CLI flags, then RUNNERLINK_* environment variables, then defaults that need no configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_GATEWAY_PORT = 4567  # the subnet gateway (HTTP/HTTPS forward proxy for workloads)
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "000000000000"
DEFAULT_LIFECYCLE_DELAY = 2.0
DEFAULT_VPC_QUOTA = 5
MEMORY = "memory"
IAM_OFF = "off"  # any access key works as its principal, signatures aren't verified, identity policies not evaluated
IAM_ENFORCE = "enforce"  # signatures verified, every request authorized with the caller's policies
IAM_MODES = (IAM_OFF, IAM_ENFORCE)


def default_state_dir() -> str:
    import platformdirs

    return str(Path(platformdirs.user_data_dir("runnerlink")))


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    gateway_port: int = DEFAULT_GATEWAY_PORT
    state: str = field(default_factory=default_state_dir)  # a directory, or "memory"
    region: str = DEFAULT_REGION
    lifecycle_delay: float = DEFAULT_LIFECYCLE_DELAY  # seconds an asynchronous operation takes
    log_level: str = "warning"
    # Applications: repository URL=DIR and image=COMMAND mappings (flags; RUNNERLINK_SOURCES / RUNNERLINK_IMAGES are
    # read with them by runtime.sources), and the container engine: auto, docker, podman or none.
    sources: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    container_engine: str = "auto"
    iam: str = IAM_OFF
    # Root credentials the user configured, "ACCOUNT=ACCESS_KEY_ID:SECRET" each (flags and RUNNERLINK_ROOT_CREDENTIALS,
    # comma-separated).
    root_credentials: tuple[str, ...] = ()
    # VPCs per account and region: AWS's default quota is 5, raised through Service Quotas for large accounts.
    vpc_quota: int = DEFAULT_VPC_QUOTA
    # A state document imported at start-up when the store is empty (serve --init, RUNNERLINK_INIT).
    init: str | None = None

    @property
    def in_memory(self) -> bool:
        return self.state == MEMORY

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Settings":
        """Build settings from RUNNERLINK_* variables; non-None overrides (CLI flags) win."""
        env = os.environ if env is None else env
        values: dict = {}
        if "RUNNERLINK_HOST" in env:
            values["host"] = env["RUNNERLINK_HOST"]
        if "RUNNERLINK_PORT" in env:
            values["port"] = int(env["RUNNERLINK_PORT"])
        if "RUNNERLINK_GATEWAY_PORT" in env:
            values["gateway_port"] = int(env["RUNNERLINK_GATEWAY_PORT"])
        if "RUNNERLINK_STATE" in env:
            values["state"] = env["RUNNERLINK_STATE"]
        if "RUNNERLINK_REGION" in env:
            values["region"] = env["RUNNERLINK_REGION"]
        if "RUNNERLINK_LIFECYCLE_DELAY" in env:
            values["lifecycle_delay"] = float(env["RUNNERLINK_LIFECYCLE_DELAY"])
        if "RUNNERLINK_CONTAINER_ENGINE" in env:
            values["container_engine"] = env["RUNNERLINK_CONTAINER_ENGINE"]
        if "RUNNERLINK_IAM" in env:
            values["iam"] = env["RUNNERLINK_IAM"]
        if env.get("RUNNERLINK_ROOT_CREDENTIALS"):
            values["root_credentials"] = tuple(
                item.strip() for item in env["RUNNERLINK_ROOT_CREDENTIALS"].split(",") if item.strip())
        if "RUNNERLINK_VPC_QUOTA" in env:
            values["vpc_quota"] = int(env["RUNNERLINK_VPC_QUOTA"])
        if env.get("RUNNERLINK_INIT"):
            values["init"] = env["RUNNERLINK_INIT"]
        if "RUNNERLINK_LOG_LEVEL" in env:
            values["log_level"] = env["RUNNERLINK_LOG_LEVEL"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if settings.iam not in IAM_MODES:
            raise ValueError(f"RUNNERLINK_IAM / --iam is one of {', '.join(IAM_MODES)}, not {settings.iam!r}")
        if settings.vpc_quota < 1:
            raise ValueError(f"RUNNERLINK_VPC_QUOTA / --vpc-quota is a positive number of VPCs, not {settings.vpc_quota}")
        return settings


def edge_url(endpoint_url: str | None = None) -> str:
    """runnerlink's URL for a command talking to a running server: --endpoint-url, else RUNNERLINK_HOST/PORT's."""
    if endpoint_url:
        return endpoint_url.rstrip("/")
    settings = Settings.from_env()
    return f"http://{settings.host}:{settings.port}"
