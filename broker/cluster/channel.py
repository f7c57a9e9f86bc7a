"""A broker's outgoing Kafka connection to one other node (the controller, or a partition leader).

Requests go one at a time (a fetcher or a heartbeat loop owns its channel). A failed connect is
logged the way Kafka's NetworkClient logs it, under the caller's `[Component ...]` prefix:

    Connection to node 1 (/127.0.0.2:29092) could not be established. Node may not be available.

Java prints the InetSocketAddress: `name/ip:port` for a name, `/ip:port` for an IP literal. A
name that does not resolve never gets that far: Kafka logs `Error connecting to node
broker-1:29092 (id: 1 rack: null)` with the UnknownHostException instead.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import socket
import struct

from ..log4j import KafkaLogger
from ..protocol.api import Api
from ..protocol.header import skip_tagged_fields
from ..protocol.types import Reader, Writer
from .errors import ChannelError, UnknownHost


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def java_socket_address(host: str, ip: str, port: int) -> str:
    return f"{'' if _is_ip(host) else host}/{ip}:{port}"


class NodeChannel:
    # NetworkClient's wording: "Node" since Kafka 3.7, "Broker" before (the ZooKeeper-era lines)
    UNAVAILABLE = "Node may not be available."

    def __init__(
        self,
        log: KafkaLogger,
        node_id: int,
        host: str,
        port: int,
        client_id: str,
        connect_timeout_s: float = 5.0,
    ):
        self.log, self.node_id, self.host, self.port = log, node_id, host, port
        self.client_id = client_id
        self.connect_timeout_s = connect_timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._corr = itertools.count(1)
        self.failed_connects = 0  # consecutive; the first of a run is logged at WARN, the rest at DEBUG

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def _resolve(self) -> str:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise UnknownHost(f"{self.host}: {exc.strerror}") from None
        v4 = [i for i in infos if i[0] == socket.AF_INET]  # Java prefers IPv4
        return str((v4 or infos)[0][4][0])

    async def connect(self) -> None:
        if self.connected:
            return
        try:
            ip = await self._resolve()
        except UnknownHost as exc:
            self._note_failure(
                f"Error connecting to node {self.host}:{self.port} (id: {self.node_id} rack: null)", exc
            )
            raise ChannelError(str(exc)) from None
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(ip, self.port), self.connect_timeout_s
            )
        except (TimeoutError, OSError) as exc:
            self._note_failure(
                f"Connection to node {self.node_id} ({java_socket_address(self.host, ip, self.port)}) "
                f"could not be established. {self.UNAVAILABLE}",
                None,
            )
            raise ChannelError(str(exc) or type(exc).__name__) from None
        sock = self._writer.get_extra_info("socket") if self._writer is not None else None
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.failed_connects = 0

    def _note_failure(self, message: str, exc: BaseException | None) -> None:
        self.failed_connects += 1
        # Kafka repeats the line on every reconnect attempt (with backoff); so do we, but only
        # every 10th time after the first few, to keep the log readable.
        if self.failed_connects <= 3 or self.failed_connects % 10 == 0:
            self.log.warning(message, exc_info=exc)

    async def request(self, api: Api, version: int, body: dict, timeout_s: float) -> dict:
        """Send one request and return the decoded response body; ChannelError on any failure."""
        await self.connect()
        assert self._reader is not None and self._writer is not None
        corr = next(self._corr) & 0x7FFFFFFF
        w = Writer()
        w.int16(api.key)
        w.int16(version)
        w.int32(corr)
        w.string(self.client_id, False)
        if api.request_flexible(version):
            w.uvarint(0)  # no tagged fields in the header
        api.request.encode(w, body, version)
        payload = w.getvalue()
        try:
            self._writer.write(struct.pack(">i", len(payload)) + payload)
            await self._writer.drain()
            size = struct.unpack(">i", await asyncio.wait_for(self._reader.readexactly(4), timeout_s))[0]
            frame = await asyncio.wait_for(self._reader.readexactly(size), timeout_s)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            self.close()
            raise ChannelError(
                f"request {api.name} to node {self.node_id} failed: {type(exc).__name__} {exc}"
            ) from None
        r = Reader(frame)
        if r.int32() != corr:
            self.close()
            raise ChannelError(f"correlation id mismatch from node {self.node_id}")
        if api.response_header_flexible(version):
            skip_tagged_fields(r)
        return api.response.decode(r, version)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
