"""One client connection: frames read straight into buffers (asyncio.BufferedProtocol), handled
one at a time in order by a worker task, answered through the transport.

A large request (a 1 MB produce) is received directly into a buffer of its own size: the kernel
copies it once and the handler gets a memoryview of it. Small requests share a scratch buffer.

Memory is bounded the way Kafka's network layer bounds it (org.apache.kafka.common.network.Selector
and KafkaChannel):
- the connection is muted (no reads) from the moment a whole request is received until its
  response is sent, so a client cannot queue requests in the broker's memory;
- a frame's own buffer is charged to a broker-wide pool of `queued.max.request.bytes` (Kafka's
  MemoryPool; -1, Kafka's default, = unbounded) before it is allocated; when the pool is short
  the connection stays muted until memory comes back;
- a big frame's buffer is anonymous memory that becomes resident only as bytes arrive, so a
  client that announces 100 MB and sends nothing (slowloris) pins nothing;
- `connections.max.idle.ms` closes connections with no traffic (SocketServer's reaper).
"""

from __future__ import annotations

import asyncio
import collections
import mmap
import os
import socket
from collections.abc import Awaitable, Callable

SCRATCH = 64 * 1024  # per connection; frames over half of it get a buffer of their own
LAZY_BUFFER = 1 << 20  # frames this big are received into anonymous mmap (resident as filled)
SEND_BUFFER = 4 << 20  # a whole fetch response fits, so sendmsg rarely leaves a remainder
IOV_MAX = 1024


def _big_send_buffer(sock) -> None:
    """SO_SNDBUFFORCE (root) may exceed net.core.wmem_max; otherwise take what SO_SNDBUF gives."""
    force = getattr(socket, "SO_SNDBUFFORCE", 32)
    try:
        sock.setsockopt(socket.SOL_SOCKET, force, SEND_BUFFER)
    except OSError:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        except OSError:
            pass


def _frame_buffer(size: int) -> bytearray | mmap.mmap:
    """A writable buffer of `size` bytes; pages of a big one are committed only when written."""
    return mmap.mmap(-1, size) if size >= LAZY_BUFFER else bytearray(size)


class FrameTooLarge(Exception):
    java_class = "org.apache.kafka.common.network.InvalidReceiveException"


class MemoryPool:
    """Kafka's SimpleMemoryPool, reduced: bytes of request buffers in use, bounded by
    queued.max.request.bytes (< 1 = unbounded); muted connections wait for a release."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.used = 0
        self._waiting: collections.OrderedDict[KafkaConnection, None] = collections.OrderedDict()

    def try_allocate(self, size: int) -> bool:
        # like SimpleMemoryPool, one request may take the pool over its size if it is empty-ish:
        # a frame larger than the whole pool must still be servable (socket.request.max.bytes
        # is the per-frame bound)
        if self.capacity > 0 and self.used > 0 and self.used + size > self.capacity:
            return False
        self.used += size
        return True

    def release(self, size: int) -> None:
        self.used -= size
        waiting, self._waiting = list(self._waiting), collections.OrderedDict()
        for conn in waiting:  # oldest first; those still short of memory wait again
            conn.memory_available()

    def wait(self, conn: KafkaConnection) -> None:
        self._waiting[conn] = None

    def forget(self, conn: KafkaConnection) -> None:
        self._waiting.pop(conn, None)


UNBOUNDED = MemoryPool(-1)


class KafkaConnection(asyncio.BufferedProtocol):
    def __init__(
        self,
        max_request: int,
        handle: Callable[[KafkaConnection, memoryview], Awaitable[None]],
        on_close: Callable[[KafkaConnection], None],
        on_bad_size: Callable[[KafkaConnection, int], None],
        pool: MemoryPool = UNBOUNDED,
    ):
        self.max_request = max_request
        self._handle = handle
        self._on_close = on_close
        self._on_bad_size = on_bad_size
        self._pool = pool
        self._scratch = bytearray(SCRATCH)
        self._start = self._end = 0  # unparsed bytes live in _scratch[_start:_end]
        self._big: bytearray | mmap.mmap | None = None  # a frame received into its own buffer
        self._big_have = 0
        self._want = 0  # size of a big frame waiting for pool memory (0: none)
        self._charged: collections.deque[int] = collections.deque()  # pool bytes per queued frame
        self._frames: collections.deque[memoryview] = collections.deque()
        self._wakeup = asyncio.Event()
        self._can_write = asyncio.Event()
        self._can_write.set()
        self._closed = False
        self._reading_paused = False
        self.in_flight = False  # a request is being handled (the channel is muted)
        self.last_active = 0.0  # loop time of the last byte read or response sent
        self.transport: asyncio.Transport | None = None
        self.peer = ("?", 0)
        self.local = ("?", 0)
        self.listener: str | None = None  # the listener name it came in on (server.py)
        self._worker: asyncio.Task | None = None
        self._wsock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._muted_until = 0.0  # loop time until which no request is read (client quota throttle)

    # --- asyncio callbacks ---
    def connection_made(self, transport) -> None:
        self.transport = transport
        self.peer = transport.get_extra_info("peername") or ("?", 0)
        self.local = transport.get_extra_info("sockname") or ("?", 0)
        # the worker first: if anything below fails, the connection is still served (an accepted
        # connection without a worker would never be answered)
        self._loop = loop = asyncio.get_running_loop()
        self.last_active = loop.time()
        self._worker = loop.create_task(self._run())
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                _big_send_buffer(sock)
                # A private handle on the same socket for gathered writes (sendmsg of the response
                # chunks, record batches included, without joining them first).
                self._wsock = socket.socket(fileno=os.dup(sock.fileno()))
                self._wsock.setblocking(False)
            except OSError:  # out of file descriptors (EMFILE) or reset: answer through the transport
                self._wsock = None

    def get_buffer(self, sizehint: int) -> memoryview:
        if self._big is not None:
            return memoryview(self._big)[self._big_have :]
        if self._end == len(self._scratch):  # compact: move the unparsed tail to the front
            tail = self._end - self._start
            self._scratch[:tail] = self._scratch[self._start : self._end]
            self._start, self._end = 0, tail
        return memoryview(self._scratch)[self._end :]

    def buffer_updated(self, nbytes: int) -> None:
        if self._loop is not None:
            self.last_active = self._loop.time()
        if self._big is not None:
            self._big_have += nbytes
            if self._big_have == len(self._big):
                self._push(memoryview(self._big))
                self._big = None
            return
        self._end += nbytes
        self._parse()

    def _parse(self) -> None:
        buf = self._scratch
        while self._end - self._start >= 4 and not self._closed:
            size = int.from_bytes(buf[self._start : self._start + 4], "big", signed=True)
            if size < 0 or size > self.max_request:
                self._on_bad_size(self, size)
                self.close()
                return
            have = self._end - self._start - 4
            if have >= size:
                begin = self._start + 4
                self._push(memoryview(bytes(buf[begin : begin + size])))
                self._start = begin + size
                continue
            if 4 + size > len(buf) // 2:  # big frame: give it a buffer of its own, from the pool
                if not self._pool.try_allocate(size):
                    self._want = size  # stay muted until memory comes back (memory_available)
                    self._pause()
                    self._pool.wait(self)
                    return
                self._start_big(size)
            elif self._start > 0 and self._start + 4 + size > len(buf):
                tail = self._end - self._start
                buf[:tail] = buf[self._start : self._end]
                self._start, self._end = 0, tail
            return
        if self._start == self._end:
            self._start = self._end = 0

    def _start_big(self, size: int) -> None:
        have = self._end - self._start - 4
        big = _frame_buffer(size)
        big[:have] = self._scratch[self._start + 4 : self._end]
        self._big, self._big_have = big, have
        self._start = self._end = 0
        self._charged.append(size)  # released when this frame's request is done

    def memory_available(self) -> None:
        """The pool has room again: take the frame we were waiting to receive."""
        if self._closed or not self._want:
            return
        if not self._pool.try_allocate(self._want):
            self._pool.wait(self)
            return
        self._want = 0
        self._start_big_from_scratch()

    def _start_big_from_scratch(self) -> None:
        size = int.from_bytes(self._scratch[self._start : self._start + 4], "big", signed=True)
        self._start_big(size)
        if not self._frames:
            self._resume()

    def _push(self, frame: memoryview) -> None:
        if len(self._charged) < len(self._frames) + 1:
            self._charged.append(0)  # a small frame: its bytes are the scratch buffer's
        self._frames.append(frame)
        self._wakeup.set()
        self._pause()  # Kafka mutes the channel once a whole request is in

    def _pause(self) -> None:
        if not self._reading_paused and self.transport is not None and not self._closed:
            self._reading_paused = True
            self.transport.pause_reading()

    def _resume(self) -> None:
        if self._reading_paused and self.transport is not None and not self._closed and not self._want:
            self._reading_paused = False
            self.transport.resume_reading()

    def pause_writing(self) -> None:
        self._can_write.clear()

    def resume_writing(self) -> None:
        self._can_write.set()

    def connection_lost(self, exc) -> None:
        if self._wsock is not None:
            self._wsock.close()
            self._wsock = None
        self._closed = True
        self._wakeup.set()
        self._can_write.set()
        self._release_all()
        self._on_close(self)

    def _release_all(self) -> None:
        """Give the pool back what this connection holds (frames queued or half received)."""
        self._pool.forget(self)
        self._want = 0
        held = sum(self._charged)
        self._charged.clear()
        self._frames.clear()
        self._big = None
        if held:
            self._pool.release(held)

    # --- the worker: one request at a time, in order ---
    async def _run(self) -> None:
        try:
            while not self._closed:
                if not self._frames:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                muted = self._muted_until - asyncio.get_running_loop().time()
                if muted > 0:  # throttled: the next request waits until the throttle time is up
                    await asyncio.sleep(muted)
                    continue
                frame = self._frames.popleft()
                charged = self._charged.popleft() if self._charged else 0
                self.in_flight = True
                try:
                    await self._handle(self, frame)
                finally:
                    self.in_flight = False
                    del frame
                    if charged:
                        self._pool.release(charged)
                if self._loop is not None:
                    self.last_active = self._loop.time()
                if not self._frames and self._loop is not None:
                    # the response is out: unmute in the next loop turn, after what this request
                    # scheduled (timers due now, other connections' callbacks)
                    self._loop.call_soon(self._unmute)
        finally:
            self.close()

    def _unmute(self) -> None:
        """Take what the socket already holds first (no event-loop round trip: Kafka's Selector
        likewise reads a channel in the same poll that unmuted it), then let the transport read
        again if no whole request came in."""
        sock = self._wsock
        while sock is not None and not self._closed and not self._frames and not self._want:
            try:
                n = sock.recv_into(self.get_buffer(-1))
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.close()
                return
            if n == 0:
                break  # end of stream: the transport sees it once it reads again
            self.buffer_updated(n)
        if not self._frames:
            self._resume()

    def mute_for(self, seconds: float) -> None:
        """Handle no further request for `seconds` (a client over its quota; Kafka's muted channel)."""
        self._muted_until = max(self._muted_until, asyncio.get_running_loop().time() + seconds)

    def send(self, chunks: list) -> None:
        """Write a response: straight to the socket while nothing is queued in the transport
        (no copy), the unsent rest through the transport (which keeps order and flow control)."""
        if self._closed or self.transport is None:
            return
        if self._wsock is not None and self.transport.get_write_buffer_size() == 0:
            try:
                sent = self._wsock.sendmsg(chunks[:IOV_MAX])
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self.close()
                return
            rest = []
            for c in chunks:
                n = len(c)
                if sent >= n:
                    sent -= n
                    continue
                rest.append(memoryview(c)[sent:] if sent else c)
                sent = 0
            chunks = rest
        if chunks:
            self.transport.write(b"".join(chunks))

    async def drain(self) -> None:
        if not self._can_write.is_set():
            await self._can_write.wait()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._wakeup.set()
            if self.transport is not None:
                self.transport.close()

    def abort_worker(self) -> None:
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
