"""Sockets: one asyncio server per configured listener; every connection knows its listener.

Requests on one connection are handled one at a time, in order (Kafka mutes a channel while its
request is in flight), so responses leave in request order even when a Fetch long-polls
(broker/connection.py).
"""

from __future__ import annotations

import asyncio
import errno
import functools
import itertools
import socket
from dataclasses import dataclass

from .connection import FrameTooLarge, KafkaConnection, MemoryPool
from .listeners import EndPoint
from .log4j import logger
from .node import BrokerNode
from .protocol.api import CloseConnection
from .protocol.frames import InvalidRequest, handle_frame
from .registry import discover
from .request_context import RequestContext

_REASONS = {
    errno.EADDRNOTAVAIL: "Cannot assign requested address",
    errno.EADDRINUSE: "Address already in use",
    errno.EACCES: "Permission denied",
}


STARTUP_WAIT_S = (
    2.0  # longest a client request waits for a starting broker's first metadata (docs/cluster.md)
)


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
    """An empty host binds the dual-stack wildcard `::` (Java's wildcard address, IPv4 mapped:
    `localhost` works whether a client tries ::1 or 127.0.0.1 first); 0.0.0.0 binds IPv4 only;
    a name binds the single address it resolves to."""
    if host == "":
        return "::" if socket.has_ipv6 and _ipv6_available() else "0.0.0.0"
    if host == "0.0.0.0":
        return "0.0.0.0"
    if host == "::":
        return host
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return ""
    # Java's InetAddress.getByName prefers IPv4 (java.net.preferIPv6Addresses=false), so
    # `localhost` binds 127.0.0.1 even where getaddrinfo lists ::1 first.
    v4 = [i for i in infos if i[0] == socket.AF_INET]
    return str((v4 or infos)[0][4][0])


def _ipv6_available() -> bool:
    """Can this namespace bind [::]? (No IPv6 at all, e.g. ipv6.disable=1: fall back to 0.0.0.0.)"""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::", 0))
        return True
    except OSError:
        return False


def _dual_stack_socket(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(("::", port))
    except OSError:
        sock.close()
        raise
    return sock


class SocketServer:
    def __init__(self, node: BrokerNode, controller_listeners: list[str]):
        self.node = node
        self.registry = discover()
        self.controller_listeners = set(controller_listeners)
        self.max_request = node.config["socket.request.max.bytes"]
        prefix = f"[SocketServer listenerType=BROKER, nodeId={node.node_id}]"
        self.log = logger("kafka.network.SocketServer", prefix)
        # Kafka logs receive errors from the network Selector (a TLS client on a plaintext port:
        # "Invalid receive (size = 369295617 larger than 104857600)")
        self.selector_log = logger("org.apache.kafka.common.network.Selector", prefix)
        self.bound: list[BoundListener] = []
        self._conns: set[KafkaConnection] = set()
        self._ids = itertools.count()
        self.pool = MemoryPool(node.config["queued.max.request.bytes"])
        self.max_idle_s = node.config["connections.max.idle.ms"] / 1000
        self._reaper: asyncio.Task | None = None

    async def bind(self, endpoints: list[EndPoint]) -> None:
        """Bind every listener or raise BindError with Kafka's message (nothing stays bound then)."""
        try:
            for ep in endpoints:
                await self._bind_one(ep)
        except BindError:
            await self.close()
            raise
        if self._reaper is None and self.max_idle_s > 0:
            self._reaper = asyncio.get_running_loop().create_task(self._close_idle())

    async def rebind(self, endpoints: list[EndPoint]) -> None:
        """A dynamic `listeners` change (Kafka's DynamicListenerConfig.reconfigure): listeners no
        longer wanted (or changed) stop accepting and their connections close
        (SocketServer.removeListeners), new ones are bound (addListeners). A listener that cannot
        be bound raises BindError; the ones added by this call are then closed again."""
        wanted = {e.listener: e for e in endpoints}
        for b in [b for b in self.bound if wanted.get(b.endpoint.listener) != b.endpoint]:
            self.bound.remove(b)
            b.server.close()
            for c in [c for c in self._conns if c.listener == b.endpoint.listener]:
                c.close()
            self.log.info(f"Removed listener {b.endpoint.listener} ({b.host}:{b.port})")
        have = {b.endpoint.listener for b in self.bound}
        added: list[BoundListener] = []
        try:
            for ep in endpoints:
                if ep.listener not in have:
                    added.append(await self._bind_one(ep))
        except BindError:
            for b in added:
                self.bound.remove(b)
                b.server.close()
            raise

    async def _bind_one(self, ep: EndPoint) -> BoundListener:
        host = resolve_bind_host(ep.host)
        shown = ep.host or "0.0.0.0"  # Kafka prints InetSocketAddress.getHostString: the name as given
        if not host:
            raise BindError(f"Socket server failed to bind to {ep.host}:{ep.port}: Unresolved address.")
        controller = ep.listener in self.controller_listeners
        try:
            factory = functools.partial(self._protocol, ep, controller)
            loop = asyncio.get_running_loop()
            if host == "::":  # asyncio would set IPV6_V6ONLY; Java's wildcard takes IPv4 too
                server = await loop.create_server(factory, sock=_dual_stack_socket(ep.port), backlog=128)
            else:
                server = await loop.create_server(factory, host, ep.port, reuse_address=True, backlog=128)
        except OSError as exc:
            reason = _REASONS.get(exc.errno or 0, exc.strerror or str(exc))
            raise BindError(f"Socket server failed to bind to {shown}:{ep.port}: {reason}.") from None
        port = server.sockets[0].getsockname()[1]
        bound = BoundListener(ep, server, host, port, controller)
        self.bound.append(bound)
        kind = "control-plane" if controller else "data-plane"
        self.log.info(f"Created {kind} acceptor and processors for endpoint : ListenerName({ep.listener})")
        logger("kafka.network.DataPlaneAcceptor").info(f"Awaiting socket connections on {shown}:{port}.")
        return bound

    async def _close_idle(self) -> None:
        """connections.max.idle.ms: close connections with no traffic for that long (Kafka's
        Selector expires idle channels the same way; a muted channel with a request in flight
        is not idle)."""
        every = min(max(self.max_idle_s / 4, 0.05), 30.0)
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            cutoff = loop.time() - self.max_idle_s
            for conn in [c for c in self._conns if not c.in_flight and c.last_active < cutoff]:
                self.selector_log.debug(
                    f"About to close the idle connection from /{conn.peer[0]}:{conn.peer[1]} due to "
                    f"being idle for {(loop.time() - conn.last_active) * 1000:.0f} millis"
                )
                conn.close()

    def _protocol(self, ep: EndPoint, controller: bool) -> KafkaConnection:
        conn_id = next(self._ids)

        def make_ctx(conn: KafkaConnection, hdr, version, size: int, made: list):
            ctx = RequestContext(
                self.node,
                ep.listener,
                hdr.client_id,
                hdr.correlation_id,
                version,
                f"{conn.peer[0]}:{conn.peer[1]}",
                controller_listener=controller,
                request_size=size,
            )
            made.append(ctx)
            return ctx

        def channel(conn: KafkaConnection) -> str:
            return f"{conn.local[0]}:{conn.local[1]}-{conn.peer[0]}:{conn.peer[1]}-{conn_id}"

        async def handle(conn: KafkaConnection, frame: memoryview) -> None:
            key = int.from_bytes(frame[:2], "big", signed=True) if len(frame) >= 2 else -1
            api = self.registry.get(key)
            if api is not None and controller != (
                api.controller_only or (controller and api.on_controller_listener)
            ):
                what = (
                    "controller listener and serves only the controller's APIs"
                    if controller
                    else "broker listener; controller APIs are served on controller.listener.names only"
                )
                self.log.info(
                    f"Closing socket connection to /{conn.peer[0]}: {api.name} on {ep.listener}, a {what}"
                )
                conn.close()
                return
            if not controller and key != 18 and self.node.lifecycle is not None:
                await self.node.lifecycle.wait_running(STARTUP_WAIT_S)
            made: list[RequestContext] = []
            try:
                chunks = await handle_frame(
                    self.registry, frame, lambda h, v: make_ctx(conn, h, v, len(frame), made)
                )
            except InvalidRequest as exc:
                self.log.info(f"Closing socket connection to /{conn.peer[0]} due to invalid request: {exc}")
                conn.close()
                return
            except CloseConnection as exc:
                self.log.info(f"Closing socket connection to /{conn.peer[0]}: {exc}")
                conn.close()
                return
            except Exception:
                self.log.error(
                    f"Unexpected error from /{conn.peer[0]} (channelId={channel(conn)}); closing connection",
                    exc_info=True,
                )
                conn.close()
                return
            if chunks is not None:
                conn.send(chunks)
                await conn.drain()
            if made and made[0].throttle_ms > 0:  # over a client quota: Kafka mutes the channel (KIP-219)
                conn.mute_for(made[0].throttle_ms / 1000)

        def bad_size(conn: KafkaConnection, size: int) -> None:
            msg = (
                f"Invalid receive (size = {size} larger than {self.max_request})"
                if size >= 0
                else f"Invalid receive (size = {size})"
            )
            self.selector_log.warning(
                f"Unexpected error from /{conn.peer[0]} (channelId={channel(conn)}); closing connection",
                exc_info=FrameTooLarge(msg),
            )

        conn = KafkaConnection(self.max_request, handle, self._conns.discard, bad_size, self.pool)
        conn.listener = ep.listener  # closed when a dynamic change removes the listener
        self._conns.add(conn)
        return conn

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        for b in self.bound:
            b.server.close()
        for c in list(self._conns):
            c.close()
            c.abort_worker()
        for b in self.bound:
            try:
                await asyncio.wait_for(b.server.wait_closed(), 2)
            except TimeoutError:
                pass
        self.bound.clear()
