"""One client connection: frames read straight into buffers (asyncio.BufferedProtocol), handled
one at a time in order by a worker task, answered through the transport.

A large request (a 1 MB produce) is received directly into a buffer of its own size: the kernel
copies it once and the handler gets a memoryview of it. Small requests share a scratch buffer.
"""

from __future__ import annotations

import asyncio
import collections
import os
import socket
from collections.abc import Awaitable, Callable

SCRATCH = 256 * 1024
SEND_BUFFER = 4 << 20  # a whole fetch response fits, so sendmsg rarely leaves a remainder
IOV_MAX = 1024
MAX_QUEUED = 32  # frames waiting for the worker before we stop reading (back-pressure)


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


class FrameTooLarge(Exception):
    java_class = "org.apache.kafka.common.network.InvalidReceiveException"


class KafkaConnection(asyncio.BufferedProtocol):
    def __init__(
        self,
        max_request: int,
        handle: Callable[[KafkaConnection, memoryview], Awaitable[None]],
        on_close: Callable[[KafkaConnection], None],
        on_bad_size: Callable[[KafkaConnection, int], None],
    ):
        self.max_request = max_request
        self._handle = handle
        self._on_close = on_close
        self._on_bad_size = on_bad_size
        self._scratch = bytearray(SCRATCH)
        self._start = self._end = 0  # unparsed bytes live in _scratch[_start:_end]
        self._big: bytearray | None = None  # the frame being received into its own buffer
        self._big_have = 0
        self._frames: collections.deque[memoryview] = collections.deque()
        self._wakeup = asyncio.Event()
        self._can_write = asyncio.Event()
        self._can_write.set()
        self._closed = False
        self._reading_paused = False
        self.transport: asyncio.Transport | None = None
        self.peer = ("?", 0)
        self.local = ("?", 0)
        self._worker: asyncio.Task | None = None
        self._wsock: socket.socket | None = None
        self._muted_until = 0.0  # loop time until which no request is read (client quota throttle)

    # --- asyncio callbacks ---
    def connection_made(self, transport) -> None:
        self.transport = transport
        self.peer = transport.get_extra_info("peername") or ("?", 0)
        self.local = transport.get_extra_info("sockname") or ("?", 0)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _big_send_buffer(sock)
            # A private handle on the same socket for gathered writes (sendmsg of the response
            # chunks, record batches included, without joining them first).
            self._wsock = socket.socket(fileno=os.dup(sock.fileno()))
            self._wsock.setblocking(False)
        self._worker = asyncio.get_running_loop().create_task(self._run())

    def get_buffer(self, sizehint: int) -> memoryview:
        if self._big is not None:
            return memoryview(self._big)[self._big_have :]
        if self._end == len(self._scratch):  # compact: move the unparsed tail to the front
            tail = self._end - self._start
            self._scratch[:tail] = self._scratch[self._start : self._end]
            self._start, self._end = 0, tail
        return memoryview(self._scratch)[self._end :]

    def buffer_updated(self, nbytes: int) -> None:
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
            if 4 + size > len(buf) // 2:  # big frame: give it a buffer of its own
                self._big = bytearray(size)
                self._big[:have] = buf[self._start + 4 : self._end]
                self._big_have = have
                self._start = self._end = 0
            elif self._start > 0 and self._start + 4 + size > len(buf):
                tail = self._end - self._start
                buf[:tail] = buf[self._start : self._end]
                self._start, self._end = 0, tail
            return
        if self._start == self._end:
            self._start = self._end = 0

    def _push(self, frame: memoryview) -> None:
        self._frames.append(frame)
        self._wakeup.set()
        if len(self._frames) >= MAX_QUEUED and not self._reading_paused and self.transport:
            self._reading_paused = True
            self.transport.pause_reading()

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
        self._on_close(self)

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
                if self._reading_paused and len(self._frames) < MAX_QUEUED // 2 and self.transport:
                    self._reading_paused = False
                    self.transport.resume_reading()
                await self._handle(self, frame)
        finally:
            self.close()

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
