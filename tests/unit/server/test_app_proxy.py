"""The edge's client to instances (server/app_proxy.py) against small real servers on loopback: kept-alive reuse,
a replay on a pooled connection the instance closed, chunked and close-delimited answers, HEAD, 1xx, bad answers."""

from __future__ import annotations

import asyncio

import pytest

from runnerlink.server import app_proxy
from runnerlink.server.app_proxy import AppProxy, Unreachable


async def _serve(answers, requests: list[bytes], connections: list[int]):
    """A server that reads each request head (and a Content-Length or chunked body) and writes the next answer
    from `answers` (bytes, or None to close the connection without answering)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                body = b""
                lower = head.lower()
                if b"content-length:" in lower:
                    length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
                    body = await reader.readexactly(length)
                elif b"transfer-encoding: chunked" in lower:
                    while True:
                        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                        body += (await reader.readexactly(size + 2))[:-2]
                        if size == 0:
                            break
                requests.append(head + body)
                answer = answers.pop(0)
                if answer is None:
                    writer.close()
                    return
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in answer.lower():
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _none():
    if False:
        yield b""


async def _parts(*chunks: bytes):
    for chunk in chunks:
        yield chunk


async def _call(proxy: AppProxy, port: int, method: bytes = b"GET", body=None, chunked: bool = False,
                length: int | None = None):
    status, headers, chunks = await proxy.request(port, method, b"/p?q=1", [(b"host", b"svc")],
                                                  body if body is not None else _none(), chunked, length)
    return status, dict(headers), [chunk async for chunk in chunks]


def _run(answers, scenario):
    requests: list[bytes] = []
    connections: list[int] = []

    async def main():
        server, port = await _serve(answers, requests, connections)
        async with server:
            return await scenario(AppProxy(None), port)

    return asyncio.run(main()), requests, connections


OK = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-app: yes\r\n\r\nhello"


def test_a_kept_alive_connection_is_reused_and_hop_headers_are_dropped():
    async def scenario(proxy, port):
        return [await _call(proxy, port) for _ in range(3)]

    answers, requests, connections = _run([OK, OK, OK], scenario)
    assert [a[0] for a in answers] == [200, 200, 200] and answers[0][2] == [b"hello"]
    assert answers[0][1][b"x-app"] == b"yes" and answers[0][1][b"content-length"] == b"5"
    assert len(connections) == 1 and len(requests) == 3
    assert requests[0].startswith(b"GET /p?q=1 HTTP/1.1\r\nhost: svc\r\n")


def test_a_pooled_connection_the_instance_closed_is_replaced_and_the_request_replayed():
    async def scenario(proxy, port):
        first = await _call(proxy, port)
        second = await _call(proxy, port, b"POST", _parts(b"abc", b"def"), length=6)
        return first, second

    # The second request reaches the pooled connection, which the instance then closes without answering.
    (first, second), requests, connections = _run([OK, None, OK], scenario)
    assert first[0] == second[0] == 200
    assert len(connections) == 2
    assert requests[1] == requests[2] and requests[2].endswith(b"\r\n\r\nabcdef")


def test_a_fresh_connection_closed_without_answer_is_unreachable():
    async def scenario(proxy, port):
        with pytest.raises(Unreachable):
            await _call(proxy, port)
        return True

    assert _run([None], scenario)[0] is True


def test_chunked_bodies_stream_both_ways():
    chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"

    async def scenario(proxy, port):
        return await _call(proxy, port, b"POST", _parts(b"12", b"345"), chunked=True), await _call(proxy, port)

    (streamed, after), requests, connections = _run([chunked, OK], scenario)
    assert b"".join(streamed[2]) == b"abcde" and b"transfer-encoding" not in streamed[1]
    assert requests[0].endswith(b"\r\n\r\n12345") and b"transfer-encoding: chunked" in requests[0]
    assert after[2] == [b"hello"] and len(connections) == 1  # the chunked answer left the connection reusable


def test_a_close_delimited_answer_ends_with_the_connection():
    answer = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nall of it"

    async def scenario(proxy, port):
        return await _call(proxy, port), await _call(proxy, port)

    (first, second), _, connections = _run([answer, OK], scenario)
    assert b"".join(first[2]) == b"all of it" and second[2] == [b"hello"] and len(connections) == 2


def test_head_answers_have_no_body_and_interim_answers_are_skipped():
    head = b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n"
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" + OK

    async def scenario(proxy, port):
        return await _call(proxy, port, b"HEAD"), await _call(proxy, port)

    (headed, continued), _, _ = _run([head, interim], scenario)
    assert headed[0] == 200 and headed[1][b"content-length"] == b"1000" and headed[2] == []
    assert continued[0] == 200 and continued[2] == [b"hello"]


def test_an_invalid_answer_or_a_slow_instance_is_unreachable(monkeypatch):
    monkeypatch.setattr(app_proxy, "RESPONSE_TIMEOUT", 0.2)

    async def scenario(proxy, port):
        with pytest.raises(Unreachable, match="not valid HTTP"):
            await _call(proxy, port)
        return True

    assert _run([b"NOT HTTP AT ALL\r\n\r\n"], scenario)[0] is True

    async def silent(proxy, port):
        with pytest.raises(Unreachable, match="no answer within 0.2 s"):
            await _call(proxy, port)
        return True

    assert _run([b""], silent)[0] is True  # an empty write: the server answers nothing, and keeps the connection


def test_a_header_with_a_line_break_is_refused_before_sending():
    async def scenario(proxy, port):
        with pytest.raises(Unreachable, match="line break"):
            await proxy.request(port, b"GET", b"/", [(b"x-a", b"1\r\nx-injected: 2")], _none(), False)
        return True

    _, requests, _ = _run([OK], scenario)
    assert requests == []


def test_an_instance_that_refuses_connections_is_unreachable():
    async def main():
        proxy = AppProxy(None)
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        with pytest.raises(Unreachable):
            await _call(proxy, port)

    asyncio.run(main())


def test_a_large_answer_arrives_whole_while_reading_pauses_and_resumes():
    body = bytes(range(256)) * 8192  # 2 MiB, well over the read buffer
    big = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body) + body

    async def scenario(proxy, port):
        status, _, chunks = await proxy.request(port, b"GET", b"/", [(b"host", b"svc")], _none(), False)
        received = []
        async for chunk in chunks:
            received.append(chunk)
            await asyncio.sleep(0)  # a slow client: the instance's bytes pile up meanwhile
        return status, b"".join(received), await _call(proxy, port)

    (status, received, after), _, connections = _run([big, OK], scenario)
    assert status == 200 and received == body and after[2] == [b"hello"] and len(connections) == 1


def test_a_pooled_connection_that_receives_unasked_bytes_is_not_reused():
    async def scenario(proxy, port):
        first = await _call(proxy, port)
        await asyncio.sleep(0.1)  # the server's stray bytes arrive while the connection is idle
        return first, await _call(proxy, port)

    (first, second), _, connections = _run([OK + b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nbad", OK], scenario)
    assert first[2] == [b"hello"] and second[2] == [b"hello"] and len(connections) == 2
