"""A transport that joins what is written to it within one event-loop tick into one write underneath.

uvicorn writes a response's status line and headers, then its body, each with a transport.write of its own: two
send() calls per answer on a keep-alive connection, and on loopback each runs the receiving side's TCP work too.
The edge gives uvicorn's protocol this wrapper instead (server/app_front.py), so an answer leaves in one send (and
pipelined answers of one tick in one as well). Writes are joined, never reordered; close() and write_eof() send what
is pending first; abort() drops it, as a transport's abort drops its buffer.
"""

from __future__ import annotations

import asyncio
from typing import Any


class JoinedWrites:
    __slots__ = ("_transport", "_loop", "_pending", "_scheduled")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes) -> None:
        if not data:
            return
        self._pending.append(data)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def writelines(self, lines) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        """Write what is pending, as one write."""
        self._scheduled = False
        pending = self._pending
        if not pending:
            return
        self._pending = []
        if not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._pending = []
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:  # everything else is the transport's own
        return getattr(self._transport, name)
