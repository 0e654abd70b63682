"""GET /_runnerlink/apprunner/services and /_runnerlink/apprunner/logs: the App Runner services this server runs,
with the URLs a browser on this machine can open, and their deployment and application logs (reads, not recorded)."""

from __future__ import annotations

from pathlib import Path

from runnerlink.runtime import logs
from runnerlink.runtime.supervisor import Supervisor
from runnerlink.server.app_proxy import LOCAL_SUFFIX

Answer = tuple[int, dict]
STREAM_NAMES = {"build": logs.BUILD, "application": logs.APPLICATION, "app": logs.APPLICATION}
NOT_RUNNING_APPS = ("This runnerlink server does not run applications (only `runnerlink serve` does): it has no "
                    "services to show.")


def local_url(host: str, port: int) -> str:
    """The URL of a service's hostname on this machine: <host>.localhost at the edge's port."""
    return f"http://{host}{LOCAL_SUFFIX}:{port}"


def services(supervisor: Supervisor | None, edge_port: int, query: dict) -> Answer:
    """GET …/services?account=&region=: every known service, with its local URLs."""
    if supervisor is None:
        return 503, {"error": "ServiceUnavailable", "message": NOT_RUNNING_APPS}
    listed = [dict(s, localUrl=local_url(s["ServiceUrl"], edge_port) if s.get("ServiceUrl") else None,
                   localUrls=[local_url(host, edge_port) for host in s["hosts"]])
              for s in _scoped(supervisor.services(), query)]
    return 200, {"services": listed}


def service_logs(supervisor: Supervisor | None, query: dict) -> Answer:
    """GET …/logs?service=NAME-or-ARN&account=&region=&streams=build,application&since=EPOCH&after=CURSOR.

    Without `after`: the entries (from `since` on), oldest first. `cursor` in the answer says how far each log was
    read; passed back as `after`, it gives the entries written since, each once."""
    if supervisor is None:
        return 503, {"error": "ServiceUnavailable", "message": NOT_RUNNING_APPS}
    wanted = query.get("service") or ""
    if not wanted:
        return 400, {"error": "InvalidRequest", "message": "Name the service: service=NAME or service=ARN."}
    try:
        streams = _streams(query.get("streams"))
        since = float(query["since"]) if query.get("since") else None
        after = _cursor(query["after"]) if query.get("after") else None
    except ValueError as error:
        return 400, {"error": "InvalidRequest", "message": str(error)}
    known = _scoped(supervisor.services(), query)
    found = [s for s in known if wanted in (s["ServiceArn"], s["ServiceName"], s["ServiceId"])]
    if not found:
        where = " ".join(f"{k} {query[k]}" for k in ("account", "region") if query.get(k))
        return 404, {"error": "ResourceNotFoundException",
                     "message": f"No service {wanted}{' in ' + where if where else ''} runs here "
                                f"(`runnerlink services` lists those that do)."}
    if len(found) > 1:
        places = ", ".join(f"{s['account']}/{s['region']}" for s in found)
        return 404, {"error": "AmbiguousService",
                     "message": f"Several services are named {wanted} ({places}): give the account and region, "
                                f"or the service ARN."}
    service = found[0]
    entries, cursor = logs.read_after(Path(service["logs"]), streams, after)
    if since is not None:
        entries = [e for e in entries if e["time"] >= since]
    return 200, {"service": {k: service[k] for k in ("ServiceName", "ServiceArn", "Status", "account", "region")},
                 "entries": entries, "cursor": _cursor_text(cursor)}


def _scoped(listed: list[dict], query: dict) -> list[dict]:
    return [s for s in listed if all(not query.get(k) or s[k] == query[k] for k in ("account", "region"))]


def _streams(text: str | None) -> tuple[str, ...]:
    if not text:
        return logs.STREAMS
    chosen = []
    for name in text.split(","):
        stream = STREAM_NAMES.get(name.strip())
        if stream is None:
            raise ValueError(f"Unknown log stream {name.strip()!r}: streams are build and application.")
        if stream not in chosen:
            chosen.append(stream)
    return tuple(chosen)


def _cursor(text: str) -> dict[str, int]:
    cursor = {}
    for part in text.split(","):
        stream, _, offset = part.partition(":")
        if stream not in logs.STREAMS or not offset.isdigit():
            raise ValueError(f"after is the cursor a previous answer gave (build:N,application:N), not {text!r}.")
        cursor[stream] = int(offset)
    return cursor


def _cursor_text(cursor: dict[str, int]) -> str:
    return ",".join(f"{stream}:{offset}" for stream, offset in cursor.items())
