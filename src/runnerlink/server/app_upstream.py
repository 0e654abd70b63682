"""One kept-alive HTTP/1.1 connection from runnerlink to an application's instance: requests written as bytes,
answers parsed by httptools as they arrive, with flow control both ways. The edge's proxy (app_proxy) and its front
protocol (app_front) share it."""

from __future__ import annotations

import asyncio
from collections import deque

import httptools

READ_BUFFER = 256 * 1024  # answer bytes held before reading from the instance pauses (until the client takes them)
# Hop-by-hop headers (RFC 9110 7.6.1) and those the proxy sets itself.
HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization", b"proxy-authenticate",
                 b"te", b"trailer", b"transfer-encoding", b"upgrade", b"content-length"})

Headers = list[tuple[bytes, bytes]]


class Unreachable(Exception):
    """The instance did not answer (refused, closed, timed out)."""


class Upstream(asyncio.Protocol):
    """One kept-alive HTTP/1.1 connection to an instance: requests written as bytes, answers parsed by httptools
    (llhttp, C; h11 cost more than the rest of the proxy together), body chunks handed over as they arrive, with the
    socket's reading paused while too much is buffered."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle = False  # in the pool, between requests
        self._error: str | None = None
        self._can_write: asyncio.Future | None = None
        self._waiter: asyncio.Future | None = None
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        # Told after every batch of bytes and at the end (`answer_progress(upstream)`), instead of a waiter waking:
        # the edge's front protocol relays an answer from callbacks (server/app_front.py).
        self.sink = None
        self._cycle(False)

    def _cycle(self, head: bool) -> None:
        """Ready for the next answer (head: it answers a HEAD request, so it has no body whatever it says)."""
        self.parser = httptools.HttpResponseParser(self)
        self.head_only = head
        self.status: int | None = None
        self.headers: Headers = []
        self.complete = False
        self.framed = False  # Content-Length or chunked: a close ends the body early, not normally
        self.received = False  # any byte of this answer
        self.keep_alive = False  # as the answer said (llhttp forgets it once the message is complete)
        self.surplus = False  # bytes of another message followed the answer

    # --- protocol callbacks ------------------------------------------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.idle:  # bytes nobody asked for: the connection can't be trusted with the next request
            self.close()
            return
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(f"the instance's answer is not valid HTTP ({error})")
            self.transport.close()
        if self._buffered > READ_BUFFER and not self._paused and not self.closed:
            self._paused = True
            self.transport.pause_reading()
        if self.sink is not None:
            self.sink.answer_progress(self)

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.status is not None and not self.framed and not self.complete:
            self.complete = True  # a body delimited by the close of the connection has ended
        elif not self.complete:
            self._error = self._error or (str(exc) if exc else "the connection closed")
        self._wake()
        if self._can_write is not None and not self._can_write.done():
            self._can_write.set_result(None)
        if self.sink is not None:
            self.sink.answer_progress(self)

    def pause_writing(self) -> None:
        self._can_write = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._can_write is not None and not self._can_write.done():
            self._can_write.set_result(None)
        self._can_write = None

    # --- parser callbacks --------------------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        if self.complete:  # more after the answer, before any request asked for it: ignored, and no reuse
            self.surplus = True

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.surplus:
            return
        name = name.lower()
        if name == b"content-length" or (name == b"transfer-encoding" and b"chunked" in value.lower()):
            self.framed = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self.surplus:
            return
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # an interim answer (100 Continue …): the real one follows
            self.headers, self.framed = [], False
            return
        self.status = status
        if self.head_only:
            self.complete = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        if not self.head_only and not self.surplus:
            self._chunks.append(body)
            self._buffered += len(body)
            self._wake()

    def on_message_complete(self) -> None:
        if self.status is not None and not self.surplus:
            self.complete = True
            self.keep_alive = self.parser.should_keep_alive()
            self._wake()

    # --- the proxy's side --------------------------------------------------------------------------------------
    def _fail(self, why: str) -> None:
        self._error = why
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _wait(self, timeout: float) -> None:
        """Until the connection has news (bytes, its end, an error); Unreachable after timeout seconds without."""
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        # A timer on the future costs less than asyncio.timeout's cancellation machinery, once per wait.
        timer = loop.call_later(timeout, _expire, waiter, timeout)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def write(self, data: bytes) -> None:
        if self.closed:
            raise Unreachable(self._error or "the connection closed")
        self.transport.write(data)

    async def drain(self) -> None:
        if self._can_write is not None:
            await self._can_write
        if self.closed:
            raise Unreachable(self._error or "the connection closed")

    async def answer(self, timeout: float) -> tuple[int, Headers]:
        """The answer's status and headers, once they are in."""
        while self.status is None:
            if self._error is not None or self.closed:
                raise Unreachable(self._error or "the connection closed before an answer")
            await self._wait(timeout)
        return self.status, self.headers

    async def next_chunk(self, timeout: float) -> bytes | None:
        """The next piece of the body as it arrives; None at its end. Unreachable when it breaks off."""
        while not self._chunks:
            if self.complete:
                return None
            if self._error is not None or self.closed:
                raise Unreachable(self._error or "the connection closed before the end of the answer")
            await self._wait(timeout)
        chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if self._paused and self._buffered <= READ_BUFFER // 2 and not self.closed:
            self._paused = False
            self.transport.resume_reading()
        return chunk

    @property
    def failure(self) -> str | None:
        """Why the connection broke, once it has (closed, not valid HTTP)."""
        return self._error or ("the connection closed" if self.closed else None)

    def take_nowait(self) -> bytes | None:
        """A piece of the body already in, or None (none yet, or the end)."""
        if not self._chunks:
            return None
        chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if self._paused and self._buffered <= READ_BUFFER // 2 and not self.closed:
            self._paused = False
            self.transport.resume_reading()
        return chunk

    @property
    def ended(self) -> bool:
        """The whole answer is in and taken."""
        return self.complete and not self._chunks

    @property
    def reusable(self) -> bool:
        """Whole answer read, and both sides keep the connection (a HEAD's parser state is not trusted further)."""
        return (self.complete and not self.closed and self._error is None and not self._chunks and not self.head_only
                and self.keep_alive and not self.surplus)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def _expire(waiter: asyncio.Future, timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(Unreachable(f"no answer within {timeout:g} s"))


def request_head(method: bytes, target: bytes, headers: Headers, length: int | None, chunked: bool) -> bytes:
    """The request line and headers as bytes, refusing what would split the message (a line break in a field)."""
    parts = [method, b" ", target, b" HTTP/1.1\r\n"]
    for name, value in headers:
        parts += (name, b": ", value, b"\r\n")
    if length is not None:
        parts.append(b"content-length: %d\r\n" % length)
    elif chunked:
        parts.append(b"transfer-encoding: chunked\r\n")
    parts.append(b"\r\n")
    head = b"".join(parts)
    if head.count(b"\n") != len(headers) + 2 + (length is not None or chunked) or b"\r" in head.replace(
            b"\r\n", b""):
        raise Unreachable("a request line or header field holds a line break")
    if b" " in target or b" " in method:
        raise Unreachable("a request target or method holds a space")
    return head
