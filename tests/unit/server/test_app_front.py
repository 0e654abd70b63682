"""The edge's front protocol (server/app_front.py) in process, with uvicorn's protocol behind it and small real
instances on loopback: which connections it keeps, what the instance receives, pooling, the replay on a pooled
connection found closed, refusals, an instance that does not answer, graceful shutdown."""

from __future__ import annotations

import asyncio

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.server import ServerState

from runnerlink.runtime.supervisor import Route
from runnerlink.server import app_front, app_proxy
from runnerlink.server.app_front import EdgeFront, front_protocol
from runnerlink.server.app_proxy import AppProxy
from tests.unit.server.test_app_proxy import _serve

APP = "svc.us-east-1.awsapprunner.com"
PRIVATE = "private.us-east-1.awsapprunner.com"
OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


class _Supervisor:
    def __init__(self, port: int | None):
        self.port = port

    def route(self, host: str) -> Route | None:
        arn = "arn:aws:apprunner:us-east-1:111122223333:service/svc/0123"
        if host == APP:
            return Route(arn, "svc", {"via": "service"}, True, "RUNNING", self.port, None)
        if host == PRIVATE:
            return Route(arn, "svc", {"via": "service"}, False, "RUNNING", self.port, None)
        return None


class _Edge:
    def __init__(self, port: int | None):
        self.app_proxy = AppProxy(_Supervisor(port))
        self.entries: list[dict] = []
        self.app_proxy.record = self.entries.append


async def _asgi(scope, receive, send) -> None:
    body = f"asgi {scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


async def _edge(port: int | None):
    edge = _Edge(port)
    config = uvicorn.Config(_asgi, http=front_protocol(edge), lifespan="off", log_level="warning",
                            server_header=False, date_header=False)
    config.load()
    state = ServerState()
    server = await asyncio.get_running_loop().create_server(
        lambda: config.http_protocol_class(config=config, server_state=state, app_state={}), "127.0.0.1", 0)
    return edge, state, server, server.sockets[0].getsockname()[1]


async def _exchange(port: int, data: bytes, until: bytes = b"", count: int = 1) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    got = b""
    while got.count(until) < count:
        chunk = await asyncio.wait_for(reader.read(65536), 5)
        if not chunk:
            break
        got += chunk
    writer.close()
    return got


def _get(host: str, path: str = "/", extra: bytes = b"") -> bytes:
    return b"GET %b HTTP/1.1\r\nHost: %b\r\n%b\r\n" % (path.encode(), host.encode(), extra)


async def _test_app_connections_are_relayed_pooled_and_logged_others_go_to_uvicorn():
    requests: list[bytes] = []
    connections: list[int] = []
    instance, port = await _serve([OK, OK, OK], requests, connections)
    edge, state, server, edge_port = await _edge(port)
    hops = b"Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-Forwarded-For: 203.0.113.9\r\nTE: trailers\r\n"
    got = await _exchange(edge_port, _get(APP, "/a%20b?x=1", hops) + _get(APP, "/2") + _get(f"{APP}.localhost:80"),
                          b"ok", 3)
    assert got.count(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok") == 3
    assert len(connections) == 1  # one pooled connection to the instance for all three
    first = requests[0].decode()
    assert first.startswith("GET /a%20b?x=1 HTTP/1.1\r\n")
    assert "x-forwarded-for: 203.0.113.9, 127.0.0.1\r\n" in first and "x-forwarded-proto: http\r\n" in first
    assert "keep-alive" not in first.lower() and "te:" not in first
    assert [e["operation"] for e in edge.entries] == ["GET /a b", "GET /2", "GET /"]
    assert edge.entries[0]["application"]["service"] == "svc" and edge.entries[0]["status"] == 200
    assert edge.entries[0]["requestId"] != edge.entries[1]["requestId"]

    got = await _exchange(edge_port, _get("127.0.0.1", "/api") + _get(APP, "/then-app"), b"\r\n\r\n", 2)
    assert b"asgi /api" in got  # uvicorn's protocol and the ASGI app (which names no app proxy here)
    assert all(not isinstance(c, EdgeFront) for c in state.connections)
    server.close()
    instance.close()


async def _test_a_pooled_connection_found_closed_is_replaced_and_the_request_replayed():
    requests: list[bytes] = []
    connections: list[int] = []
    instance, port = await _serve([OK, None, OK], requests, connections)  # closes instead of the 2nd answer
    edge, _, server, edge_port = await _edge(port)
    assert (await _exchange(edge_port, _get(APP, "/1"), b"ok")).endswith(b"ok")
    assert (await _exchange(edge_port, _get(APP, "/2"), b"ok")).endswith(b"ok")
    assert [r.split(b" ")[1] for r in requests] == [b"/1", b"/2", b"/2"] and len(connections) == 2
    server.close()
    instance.close()


async def _test_refusals_and_an_instance_that_does_not_answer(monkeypatch):
    edge, _, server, edge_port = await _edge(None)
    got = await _exchange(edge_port, _get(APP), b"\n")
    assert got.startswith(b"HTTP/1.1 503 ")
    got = await _exchange(edge_port, _get("other.us-east-1.awsapprunner.com") + _get(APP), b"\r\n\r\n", 2)
    assert got.startswith(b"HTTP/1.1 404 Not Found\r\ncontent-type: text/plain; charset=utf-8\r\n")
    assert b"HTTP/1.1 503 " in got  # the connection stayed usable after the refusal
    server.close()

    silent = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)  # accepts, never answers
    port = silent.sockets[0].getsockname()[1]
    edge, _, server, edge_port = await _edge(port)
    got = await _exchange(edge_port, _get(PRIVATE), b"\n")
    assert got.startswith(b"HTTP/1.1 403 Forbidden") and b"is private" in got
    monkeypatch.setattr(app_proxy, "RESPONSE_TIMEOUT", 0.2)  # a fresh connection: relayed by a task
    got = await _exchange(edge_port, _get(APP), b"\n", 5)
    assert got.startswith(b"HTTP/1.1 502 Bad Gateway") and b"did not answer (no answer within 0.2 s)" in got
    assert [e["status"] for e in edge.entries] == [403, 502] and edge.entries[1]["error"] == "BadGateway"
    server.close()
    silent.close()

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(OK)  # then the connection stays open, and the next request gets no answer
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(30)

    stalls = await asyncio.start_server(once, "127.0.0.1", 0)
    edge, _, server, edge_port = await _edge(stalls.sockets[0].getsockname()[1])
    monkeypatch.setattr(app_front, "RESPONSE_TIMEOUT", 0.2)  # a pooled connection: relayed from callbacks
    got = await _exchange(edge_port, _get(APP, "/1") + _get(APP, "/2"), b"\n", 8)
    assert got.startswith(OK) and b"HTTP/1.1 502 Bad Gateway" in got and b"no answer within 0.2 s" in got
    server.close()
    stalls.close()


async def _test_shutdown_closes_idle_application_connections():
    requests: list[bytes] = []
    instance, port = await _serve([OK], requests, [])
    edge, state, server, edge_port = await _edge(port)
    reader, writer = await asyncio.open_connection("127.0.0.1", edge_port)
    writer.write(_get(APP))
    assert (await reader.readuntil(b"ok")).endswith(b"ok")
    (front,) = [c for c in state.connections if isinstance(c, EdgeFront)]
    front.shutdown()
    assert await asyncio.wait_for(reader.read(), 2) == b""
    await asyncio.sleep(0)
    assert not state.connections
    writer.close()
    server.close()
    instance.close()


def test_uvicorns_own_protocol_is_what_non_application_connections_get():
    assert issubclass(front_protocol(object()), EdgeFront) and AutoHTTPProtocol is not None


def test_app_connections_are_relayed_pooled_and_logged_others_go_to_uvicorn():
    asyncio.run(_test_app_connections_are_relayed_pooled_and_logged_others_go_to_uvicorn())


def test_a_pooled_connection_found_closed_is_replaced_and_the_request_replayed():
    asyncio.run(_test_a_pooled_connection_found_closed_is_replaced_and_the_request_replayed())


def test_refusals_and_an_instance_that_does_not_answer(monkeypatch):
    asyncio.run(_test_refusals_and_an_instance_that_does_not_answer(monkeypatch))


def test_shutdown_closes_idle_application_connections():
    asyncio.run(_test_shutdown_closes_idle_application_connections())
