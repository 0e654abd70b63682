"""The dashboard's event streams as ASGI answers, driven in-process: entries batched as they arrive (from the loop's
thread or another), filters, the end on http.disconnect and on the server stopping, and 400s."""

from __future__ import annotations

import asyncio
import json
import threading
from types import SimpleNamespace

from runnerlink.server import traffic_stream
from runnerlink.server.traffic import TrafficLog
from runnerlink.server.traffic_stream import Streams


class Client:
    """One streaming request: what was sent back, and a way to hang up."""

    def __init__(self, streams: Streams, path: str, query: dict[str, str]):
        self.messages: list[dict] = []
        self.hang_up = asyncio.Event()
        self.got = asyncio.Event()
        scope = {"type": "http", "method": "GET", "path": path}
        self.task = asyncio.ensure_future(streams.serve(scope, self.receive, self.send, query))

    async def receive(self) -> dict:
        await self.hang_up.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict) -> None:
        self.messages.append(message)
        self.got.set()

    @property
    def status(self) -> int:
        return self.messages[0]["status"]

    def events(self) -> list[tuple[str, dict]]:
        text = b"".join(m.get("body", b"") for m in self.messages[1:]).decode()
        out = []
        for block in text.split("\n\n"):
            lines = dict(line.split(": ", 1) for line in block.splitlines()
                         if ": " in line and not line.startswith(":"))
            if "event" in lines:
                out.append((lines["event"], json.loads(lines["data"])))
        return out

    async def until(self, predicate, timeout: float = 3) -> None:
        async def wait() -> None:
            while not predicate():
                self.got.clear()
                await self.got.wait()
        await asyncio.wait_for(wait(), timeout)


def pipeline(log: TrafficLog) -> SimpleNamespace:
    generation = {"value": 1}
    store = SimpleNamespace(generation=lambda: generation["value"])
    return SimpleNamespace(traffic=log, store=store, generation=generation)


def entry(service: str = "sts", **extra) -> dict:
    return {"service": service, "operation": "GetCallerIdentity", "outcome": "internet", "status": 200, **extra}


def test_entries_arrive_batched_filtered_and_from_other_threads(monkeypatch):
    monkeypatch.setattr(traffic_stream, "BATCH_SECONDS", 0.02)
    log = TrafficLog()
    log.append(entry())  # before the stream: not sent (no since)
    streams = Streams(pipeline(log))

    async def run() -> None:
        client = Client(streams, "/_runnerlink/traffic/stream", {"service": "sts"})
        await client.until(lambda: len(client.messages) >= 2)  # headers and the "connected" comment
        assert client.status == 200 and dict(client.messages[0]["headers"])[b"content-type"].startswith(
            b"text/event-stream")
        for _ in range(3):
            log.append(entry())
        log.append(entry("ec2"))
        await client.until(lambda: client.events())
        ((name, data),) = client.events()
        assert name == "entries" and [e["seq"] for e in data["entries"]] == [2, 3, 4] and data["last"] == 5
        worker = threading.Thread(target=lambda: log.append(entry()))
        worker.start()
        worker.join()
        await client.until(lambda: len(client.events()) == 2)
        assert [e["seq"] for e in client.events()[1][1]["entries"]] == [6]
        client.hang_up.set()
        await asyncio.wait_for(client.task, 2)
        assert log.wake is None  # the last stream gone: appends call nothing

    asyncio.run(run())


def test_since_replays_and_stop_ends_every_stream():
    log = TrafficLog()
    for _ in range(5):
        log.append(entry())
    shared = pipeline(log)
    streams = Streams(shared)

    async def run() -> None:
        replay = Client(streams, "/_runnerlink/traffic/stream", {"since": "3"})
        states = Client(streams, "/_runnerlink/ui/events", {})
        await replay.until(lambda: replay.events())
        assert [e["seq"] for e in replay.events()[0][1]["entries"]] == [4, 5]
        await states.until(lambda: states.events())
        assert states.events()[0] == ("state", {"generation": "1", "last": 5})
        shared.generation["value"] = 2
        await states.until(lambda: len(states.events()) == 2, timeout=2)
        assert states.events()[1][1]["generation"] == "2"
        streams.stop()
        await asyncio.wait_for(asyncio.gather(replay.task, states.task), 2)
        for client in (replay, states):
            assert client.messages[-1] == {"type": "http.response.body", "body": b""}

    asyncio.run(run())


def test_bad_parameters_are_400():
    streams = Streams(pipeline(TrafficLog()))

    async def run() -> list[tuple[int, str]]:
        out = []
        for query in ({"status": "ok"}, {"since": "soon"}, {"colour": "red"}):
            client = Client(streams, "/_runnerlink/traffic/stream", query)
            await asyncio.wait_for(client.task, 2)
            out.append((client.status, json.loads(client.messages[1]["body"])["message"]))
        return out

    answers = asyncio.run(run())
    assert [status for status, _ in answers] == [400, 400, 400]
    assert "status" in answers[0][1] and "since" in answers[1][1] and "colour" in answers[2][1]
