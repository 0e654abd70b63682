"""How the edge is served by uvicorn: the one set of options `runnerlink serve` and the in-process test server
(runnerlink.testing) both use."""

from __future__ import annotations

import os
from typing import Any

from runnerlink.auth.credentials import parse_root_credentials
from runnerlink.config import Settings
from runnerlink.runtime.sources import SourceMap
from runnerlink.server.app import EdgeApp
from runnerlink.server.app_front import front_protocol

# Idle keep-alive connections outlive SDK connection pools' idle limits (the Go SDK's is 90 s), so a client never
# reuses a pooled connection just as the server closes it; uvicorn's 5 s default raced Terraform's 5 s waiters.
UVICORN_OPTIONS: dict[str, Any] = {
    "lifespan": "on",
    "access_log": False,
    "server_header": False,
    "date_header": False,
    "timeout_keep_alive": 120,
}


def uvicorn_options(app: EdgeApp) -> dict[str, Any]:
    """Keyword arguments for uvicorn.run / uvicorn.Config serving app on its settings' host and port. Connections
    for applications' hostnames are served below ASGI (server/app_front.py); the rest go to uvicorn's protocol."""
    settings = app.settings
    return {"host": settings.host, "port": settings.port, "log_level": settings.log_level,
            "http": front_protocol(app), **UVICORN_OPTIONS}


def check_settings(settings: Settings) -> None:
    """What `runnerlink serve` refuses to start with (ValueError, or runtime.sources.MappingError, a ValueError
    too): a bad IAM mode or VPC quota, root credentials or source and image mappings that don't parse."""
    Settings.from_env({}, **{name: getattr(settings, name) for name in ("iam", "vpc_quota")})
    parse_root_credentials(settings.root_credentials)
    SourceMap.parse(list(settings.sources), list(settings.images), os.environ)
