"""How the edge is served by uvicorn: the one set of options `runnerlink serve` and the in-process test server
(runnerlink.testing) both use."""

from __future__ import annotations

from typing import Any

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
