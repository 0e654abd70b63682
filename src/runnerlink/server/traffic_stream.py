"""Server-sent events for the dashboard, as ASGI streaming answers (not recorded in the traffic log):

- GET /_runnerlink/traffic/stream?since=SEQ&<filters>: `event: entries` with `data: {"entries": [...oldest first],
  "last"}` as matching entries arrive (batched), `: ping` every 15 s;
- GET /_runnerlink/ui/events: `event: state` with `data: {"generation", "last"}` at once and whenever the store's
  generation or the traffic log's newest seq changes (checked every 0.5 s).

TrafficLog.append may run in any thread: it calls `wake`, which hands one wake-up per loop iteration to the event
loop (call_soon_threadsafe from other threads). A stream ends when its client goes (http.disconnect) and when the
server stops: uvicorn waits for open answers before it shuts down, so on SIGINT/SIGTERM every stream is ended first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import threading
from typing import Any, Callable

from runnerlink.server.pipeline import Pipeline
from runnerlink.server.traffic_index import MAX_LIMIT, FilterError, integer, parse_filters

log = logging.getLogger("runnerlink.traffic")
PATHS = ("/_runnerlink/traffic/stream", "/_runnerlink/ui/events")
PING_SECONDS = 15.0
STATE_SECONDS = 0.5
BATCH_SECONDS = 0.05  # entries arriving this close together go out as one event
HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-store"),
           (b"x-accel-buffering", b"no")]


class Streams:
    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.traffic = pipeline.traffic
        self._pokes: set[asyncio.Event] = set()  # the traffic streams': set by appends
        self._open: set[asyncio.Event] = set()  # every stream's: set when the server stops
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._scheduled = False
        self.stopping = False

    # --- waking the streams ----------------------------------------------------------------------------------------
    def _wake(self) -> None:
        """After each append (any thread): one call into the loop per batch, not one per entry."""
        if self._scheduled or self._loop is None:
            return
        self._scheduled = True
        try:
            if threading.get_ident() == self._thread:
                self._loop.call_soon(self._fire)
            else:
                self._loop.call_soon_threadsafe(self._fire)
        except RuntimeError:  # the loop is closed: the server is gone
            self._scheduled = False

    def _fire(self) -> None:
        self._scheduled = False
        for poke in self._pokes:
            poke.set()

    def stop(self) -> None:
        """End every stream (the server is stopping); call in the loop's thread."""
        self.stopping = True
        for poke in self._open:
            poke.set()

    def stop_soon(self) -> None:
        """stop(), from anywhere (a signal handler)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.stop)
        else:
            self.stopping = True

    def watch_signals(self) -> None:
        """End the streams on SIGINT/SIGTERM, before uvicorn starts waiting for open answers to finish. Chains to
        the handler in place (uvicorn's); it restores its own predecessors when it exits."""
        if threading.current_thread() is not threading.main_thread():
            return
        for number in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(number)
            if not callable(previous) or getattr(previous, "_runnerlink_streams", False):
                continue

            def handler(signum: int, frame: Any, previous: Callable = previous) -> None:
                self.stop_soon()
                previous(signum, frame)

            handler._runnerlink_streams = True  # type: ignore[attr-defined]
            signal.signal(number, handler)

    # --- serving ---------------------------------------------------------------------------------------------------
    async def serve(self, scope: dict, receive: Callable, send: Callable, query: dict[str, str]) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await _answer(send, 405, {"error": "MethodNotAllowed", "message": "Event streams are read with GET."})
            return
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # the first stream, or an app served by a new loop (tests): wake this one
            self._loop, self._thread, self._scheduled = loop, threading.get_ident(), False
        try:
            if scope["path"] == PATHS[0]:
                filters = parse_filters(query, ("since",))
                self.traffic.index.conditions(filters)  # a bad filter is a 400, not an empty stream
                since = integer(query, "since", None, 0, 2 ** 62)
                body = self._entries(filters, since)
            else:
                parse_filters({k: v for k, v in query.items() if k not in ("account", "region")}, ())
                body = self._states()
        except FilterError as error:
            await _answer(send, 400, {"error": "InvalidRequest", "message": str(error)})
            return
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        if scope["method"] == "HEAD" or self.stopping:
            await send({"type": "http.response.body", "body": b""})
            return
        poke = asyncio.Event()
        gone = asyncio.get_running_loop().create_future()
        watcher = asyncio.ensure_future(_watch_disconnect(receive, poke, gone))
        self._open.add(poke)
        if scope["path"] == PATHS[0]:
            self._pokes.add(poke)
            self.traffic.wake = self._wake
        try:
            await body.asend(None)  # primes the generator
            while not self.stopping and not gone.done():
                chunk = await body.asend(poke)
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if not gone.done():
                await send({"type": "http.response.body", "body": b""})
        except OSError:
            pass  # the client went while we wrote
        finally:
            self._open.discard(poke)
            self._pokes.discard(poke)
            if not self._pokes:
                self.traffic.wake = None
            watcher.cancel()
            await body.aclose()

    async def _entries(self, filters: dict[str, str], since: int | None):
        """The traffic stream's chunks: each `await` gets the stream's poke event, gives the next bytes to send."""
        index = self.traffic.index
        poke: asyncio.Event = yield b""
        if since is None:
            since = self.traffic.seq
        chunk = b"retry: 2000\n: connected\n\n"
        while True:
            lines, following, last = index.after(since, filters, MAX_LIMIT)
            if lines:  # "last": delivered up to here (a full batch: its newest; else the log's newest)
                chunk += (b'event: entries\ndata: {"entries":[' + b",".join(lines) + b'],"last":%d}\n\n' % following)
            since = following
            if lines and following < last:
                poke = yield chunk
                chunk = b""
                continue
            poke = yield chunk
            chunk = b""
            if not await _wait(poke, PING_SECONDS):
                chunk = b": ping\n\n"
                continue
            await asyncio.sleep(BATCH_SECONDS)
            poke.clear()

    async def _states(self):
        """The ui/events chunks: a state event now and on each change of generation or newest seq."""
        poke: asyncio.Event = yield b""
        shown: tuple[str, int] | None = None
        chunk, quiet = b"retry: 2000\n", 0.0
        while True:
            state = (str(self.pipeline.store.generation()), self.traffic.seq)
            if state != shown:
                shown, quiet = state, 0.0
                chunk += b"event: state\ndata: %s\n\n" % json.dumps({"generation": state[0], "last": state[1]}).encode()
            elif quiet >= PING_SECONDS:
                chunk, quiet = b": ping\n\n", 0.0
            poke = yield chunk
            chunk = b""
            await _wait(poke, STATE_SECONDS)  # set early only by a disconnect or the server stopping
            quiet += STATE_SECONDS


async def _wait(poke: asyncio.Event, seconds: float) -> bool:
    """Whether poke was set within `seconds`."""
    try:
        await asyncio.wait_for(poke.wait(), seconds)
        return True
    except asyncio.TimeoutError:
        return False


async def _watch_disconnect(receive: Callable, poke: asyncio.Event, gone: asyncio.Future) -> None:
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
    finally:
        if not gone.done():
            gone.set_result(None)
        poke.set()


async def _answer(send: Callable, status: int, payload: dict) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
