"""server.joined_writes: what one tick writes leaves in one write, in order; close sends it, abort drops it."""

import asyncio

from runnerlink.server.joined_writes import JoinedWrites


class Recorder:
    def __init__(self):
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data):
        self.writes.append(data)

    def is_closing(self):
        return self.closed or self.aborted

    def close(self):
        self.closed = True

    def abort(self):
        self.aborted = True

    def get_write_buffer_size(self):
        return 0

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


def test_one_tick_one_write():
    async def run():
        inner = Recorder()
        joined = JoinedWrites(inner, asyncio.get_running_loop())
        joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
        joined.write(b"")
        joined.write(b"body")
        assert inner.writes == [] and joined.get_write_buffer_size() == 23
        await asyncio.sleep(0)
        assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
        joined.writelines([b"a", b"b"])
        await asyncio.sleep(0)
        assert inner.writes[1:] == [b"ab"]
        assert joined.get_extra_info("peername") == ("127.0.0.1", 1)  # the rest is the transport's

    asyncio.run(run())


def test_close_sends_what_is_pending_and_abort_drops_it():
    async def run():
        inner = Recorder()
        joined = JoinedWrites(inner, asyncio.get_running_loop())
        joined.write(b"last answer")
        joined.close()
        assert inner.writes == [b"last answer"] and inner.closed
        other = Recorder()
        dropped = JoinedWrites(other, asyncio.get_running_loop())
        dropped.write(b"never sent")
        dropped.abort()
        await asyncio.sleep(0)
        assert other.writes == [] and other.aborted

    asyncio.run(run())
