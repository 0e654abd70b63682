"""The dashboard at /_runnerlink/ui: its page and assets (package files, served as they are: no build step, nothing
fetched from elsewhere) and the JSON reads it draws from (/_runnerlink/ui/api/<name>, server/dashboard_views.py).
Every answer is a read; none is recorded in the traffic log (the dashboard would otherwise watch itself)."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from functools import lru_cache
from importlib import resources

from runnerlink.runtime.supervisor import Supervisor
from runnerlink.server import dashboard_views
from runnerlink.server.context import RequestContext
from runnerlink.server.pipeline import Pipeline

PREFIX = "ui"
Answer = tuple[int, bytes, list[tuple[bytes, bytes]]]
# Only runnerlink's own origin: a script, style or image from anywhere else is refused by the browser itself.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".json": "application/json"}


def handles(path: str) -> bool:
    """Is /_runnerlink/<path> the dashboard's?"""
    return path == PREFIX or path.startswith(PREFIX + "/")


def handle(pipeline: Pipeline, supervisor: Supervisor | None, ctx: RequestContext, path: str) -> Answer:
    rest = path[len(PREFIX):].lstrip("/")
    if ctx.method not in ("GET", "HEAD"):
        return _json(405, {"error": "MethodNotAllowed", "message": "The dashboard only reads: use GET."})
    if rest.startswith("api/"):
        status, payload = dashboard_views.answer(pipeline, supervisor, rest[len("api/"):], ctx)
        return _json(status, payload)
    asset = _asset(rest or "index.html")
    if asset is None:
        return _json(404, {"error": "NotFound", "message": f"The dashboard has no file {rest!r}."})
    body, content_type, etag = asset
    headers = [(b"content-type", content_type.encode()), (b"etag", etag.encode()),
               (b"cache-control", b"no-cache"), (b"content-security-policy", CSP.encode()),
               (b"x-content-type-options", b"nosniff")]
    if ctx.headers.get("if-none-match") == etag:
        return 304, b"", headers
    return 200, body, headers


@lru_cache(maxsize=64)
def _asset(name: str) -> tuple[bytes, str, str] | None:
    """(bytes, content type, ETag) of a file of dashboard_assets/, or None (names are flat: no directories)."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    try:
        body = (resources.files("runnerlink.server") / "dashboard_assets" / name).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    suffix = "." + name.rpartition(".")[2]
    content_type = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return body, content_type, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _json(status: int, payload: dict) -> Answer:
    return status, json.dumps(payload).encode(), [(b"content-type", b"application/json"),
                                                  (b"cache-control", b"no-store")]
