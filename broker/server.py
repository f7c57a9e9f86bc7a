"""Sockets: one asyncio server per configured listener; every connection knows its listener.

Requests on one connection are handled one at a time, in order (Kafka mutes a channel while its
request is in flight), so responses leave in request order even when a Fetch long-polls.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import socket
from dataclasses import dataclass

from .listeners import EndPoint
from .kafka_log import logger
from .node import BrokerNode
from .protocol.dispatch import RequestContext, discover
from .protocol.frames import InvalidRequest, handle_frame

_REASONS = {errno.EADDRNOTAVAIL: "Cannot assign requested address", errno.EADDRINUSE: "Address already in use",
            errno.EACCES: "Permission denied"}
READ_LIMIT = 1 << 20  # stream buffer high-water mark; large produce requests arrive in big reads


class BindError(Exception):
    java_class = "org.apache.kafka.common.KafkaException"


@dataclass
class BoundListener:
    endpoint: EndPoint
    server: asyncio.base_events.Server
    host: str
    port: int  # the actual port (differs from the configured one for port 0)
    controller: bool


def resolve_bind_host(host: str) -> str:
    """Empty host and 0.0.0.0 bind the wildcard; a name binds the single address it resolves to."""
    if host in ("", "0.0.0.0"):
        return "0.0.0.0"
    if host == "::":
        return host
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return ""
    return infos[0][4][0]


class SocketServer:
    def __init__(self, node: BrokerNode, controller_listeners: list[str]):
        self.node = node
        self.registry = discover()
        self.controller_listeners = set(controller_listeners)
        self.max_request = node.config["socket.request.max.bytes"]
        self.log = logger("kafka.network.SocketServer", f"[SocketServer listenerType=BROKER, nodeId={node.node_id}]")
        self.bound: list[BoundListener] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._ids = itertools.count()

    async def bind(self, endpoints: list[EndPoint]) -> None:
        """Bind every listener or raise BindError with Kafka's message (nothing stays bound then)."""
        for ep in endpoints:
            host = resolve_bind_host(ep.host)
            shown = host or ep.host
            if not host:
                await self.close()
                raise BindError(f"Socket server failed to bind to {ep.host}:{ep.port}: Unresolved address.")
            controller = ep.listener in self.controller_listeners
            try:
                server = await asyncio.start_server(
                    lambda r, w, ep=ep, c=controller: self._connection(r, w, ep, c),
                    host, ep.port, reuse_address=True, limit=READ_LIMIT, backlog=128)
            except OSError as exc:
                await self.close()
                reason = _REASONS.get(exc.errno, exc.strerror or str(exc))
                raise BindError(f"Socket server failed to bind to {shown}:{ep.port}: {reason}.") from None
            port = server.sockets[0].getsockname()[1]
            self.bound.append(BoundListener(ep, server, host, port, controller))
            kind = "control-plane" if controller else "data-plane"
            self.log.info(f"Created {kind} acceptor and processors for endpoint : ListenerName({ep.listener})")
            logger("kafka.network.DataPlaneAcceptor").info(f"Awaiting socket connections on {shown}:{port}.")

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                          ep: EndPoint, controller: bool) -> None:
        peer = writer.get_extra_info("peername") or ("?", 0)
        local = writer.get_extra_info("sockname") or ("?", 0)
        peer_s = f"{peer[0]}:{peer[1]}"
        channel = f"{local[0]}:{local[1]}-{peer_s}-{next(self._ids)}"
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._writers.add(writer)

        def make_ctx(hdr, version):
            return RequestContext(self.node, ep.listener, hdr.client_id, hdr.correlation_id, version, peer_s,
                                  controller_listener=controller)

        try:
            while True:
                size_b = await reader.readexactly(4)
                size = int.from_bytes(size_b, "big", signed=True)
                if size < 0 or size > self.max_request:
                    self.log.warning(
                        f"Unexpected error from /{peer[0]} (channelId={channel}); closing connection",
                        exc_info=InvalidReceive(f"Invalid receive (size = {size} larger than {self.max_request})"
                                                if size >= 0 else f"Invalid receive (size = {size})"))
                    return
                frame = memoryview(await reader.readexactly(size))
                if controller and frame[:2] != b"\x00\x12":
                    self.log.info(f"Closing socket connection to /{peer[0]}: listener {ep.listener} is a KRaft "
                                  f"controller listener and serves only ApiVersions here")
                    return
                try:
                    chunks = await handle_frame(self.registry, frame, make_ctx)
                except InvalidRequest as exc:
                    self.log.info(f"Closing socket connection to /{peer[0]} due to invalid request: {exc}")
                    return
                if chunks is not None:
                    writer.writelines(chunks)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away; nothing to answer
        except asyncio.CancelledError:
            raise
        except Exception:
            self.log.error(f"Unexpected error from /{peer[0]} (channelId={channel}); closing connection",
                           exc_info=True)
        finally:
            self._writers.discard(writer)
            writer.close()

    async def close(self) -> None:
        for b in self.bound:
            b.server.close()
        for w in list(self._writers):
            w.close()
        for b in self.bound:
            try:
                await asyncio.wait_for(b.server.wait_closed(), 2)
            except asyncio.TimeoutError:
                pass
        self.bound.clear()


class InvalidReceive(Exception):
    java_class = "org.apache.kafka.common.network.InvalidReceiveException"
