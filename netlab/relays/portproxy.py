"""Published ports: `python -m netlab.relays.portproxy tcp:[::]:9092=10.5.0.3:9092 ...`

One process per publishing node (normally `host`), one listener per
`proto:listen_host:listen_port=target_host:target_port` spec (IPv6 hosts in brackets).
A listen host of `[::]` is Docker's default publish (`ports: ["9092:9092"]`): like docker-proxy,
one IPv4 listener on 0.0.0.0 and one IPv6-only listener on [::], so `localhost` works from the
publishing node whichever of ::1 / 127.0.0.1 a client tries first. `0.0.0.0` is IPv4 only.

Why a userland proxy (Docker's docker-proxy does the same for every published port):
- It is reachable at *every* address of the host node, including its 127.0.0.1, with no
  nftables DNAT and no `route_localnet` in the lab, so the lab keeps no firewall state and
  `netlab down` has nothing to undo but a process.
- It behaves as users see Docker behave: the broker sees the connection coming from the
  bridge gateway address (the proxy's side of the bridge), exactly like docker-proxy.
TCP is relayed byte for byte in both directions; UDP per client address, idle flows expire.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
from dataclasses import dataclass
from functools import partial

from netlab.relays import say_ready

UDP_IDLE_S = 60.0


@dataclass(frozen=True)
class Forward:
    proto: str
    listen_host: str
    listen_port: int
    target_host: str
    target_port: int

    def __str__(self) -> str:
        return f"{self.proto}:{self.listen_host}:{self.listen_port}={self.target_host}:{self.target_port}"


def _host_port(text: str, where: str) -> tuple[str, int]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":")
    else:
        host, sep, port = text.rpartition(":")
        if not sep:
            raise ValueError(f"{where}: expected HOST:PORT, got {text!r}")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{where}: port must be 1-65535, got {port!r}")
    return host, int(port)


def parse_forward(spec: str) -> Forward:
    """Parse `proto:listen_host:listen_port=target_host:target_port`."""
    left, sep, right = spec.partition("=")
    proto, _, listen = left.partition(":")
    if not sep or proto not in ("tcp", "udp"):
        raise ValueError(f"{spec!r}: expected tcp|udp:LISTEN_HOST:LISTEN_PORT=TARGET_HOST:TARGET_PORT")
    lh, lp = _host_port(listen, spec)
    th, tp = _host_port(right, spec)
    return Forward(proto, lh, lp, th, tp)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()  # half-close, like a real TCP peer
    except (ConnectionError, OSError):
        pass


def listen_hosts(fwd: Forward) -> list[str]:
    """The addresses one spec binds: both families for the default publish ([::])."""
    return ["0.0.0.0", "::"] if fwd.listen_host == "::" else [fwd.listen_host]


async def _serve_tcp(fwd: Forward) -> asyncio.base_events.Server:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            target_r, target_w = await asyncio.open_connection(fwd.target_host, fwd.target_port)
        except OSError as exc:
            print(f"{fwd}: cannot reach target: {exc}", file=sys.stderr, flush=True)
            client_w.close()
            return
        await asyncio.gather(_pipe(client_r, target_w), _pipe(target_r, client_w))
        for w in (client_w, target_w):
            w.close()

    # a list of hosts: asyncio binds each (IPv6 ones with IPV6_V6ONLY, so 0.0.0.0 and [::] coexist)
    return await asyncio.start_server(handle, listen_hosts(fwd), fwd.listen_port, reuse_address=True)


class _UdpFlow(asyncio.DatagramProtocol):
    def __init__(self, front: asyncio.DatagramTransport, client: tuple):
        self.front, self.client = front, client
        self.transport: asyncio.DatagramTransport | None = None
        self.last = asyncio.get_running_loop().time()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        self.last = asyncio.get_running_loop().time()
        self.front.sendto(data, self.client)


class _UdpFront(asyncio.DatagramProtocol):
    def __init__(self, fwd: Forward):
        self.fwd = fwd
        self.flows: dict[tuple, _UdpFlow] = {}
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        asyncio.get_running_loop().create_task(self._forward(data, addr))

    async def _forward(self, data: bytes, addr) -> None:
        loop = asyncio.get_running_loop()
        flow = self.flows.get(addr)
        if flow is None or flow.transport is None or flow.transport.is_closing():
            front = self.transport
            assert front is not None  # datagrams arrive only after connection_made
            _t, flow = await loop.create_datagram_endpoint(
                lambda: _UdpFlow(front, addr),
                remote_addr=(self.fwd.target_host, self.fwd.target_port),
            )
            self.flows[addr] = flow
        flow.last = loop.time()
        if flow.transport is not None:
            flow.transport.sendto(data)

    async def expire(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(UDP_IDLE_S / 4)
            for addr, flow in list(self.flows.items()):
                if loop.time() - flow.last > UDP_IDLE_S:
                    if flow.transport is not None:
                        flow.transport.close()
                    del self.flows[addr]


async def serve(forwards: list[Forward]) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    servers, tasks = [], []
    for fwd in forwards:
        if fwd.proto == "tcp":
            servers.append(await _serve_tcp(fwd))
        else:
            for host in listen_hosts(fwd):
                family = socket.AF_INET6 if ":" in host else socket.AF_INET
                sock = socket.socket(family, socket.SOCK_DGRAM)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((host, fwd.listen_port))
                _t, front = await loop.create_datagram_endpoint(partial(_UdpFront, fwd), sock=sock)
                tasks.append(loop.create_task(front.expire()))
    say_ready(" ".join(map(str, forwards)))
    await stop.wait()
    for server in servers:
        server.close()
    for task in tasks:
        task.cancel()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m netlab.relays.portproxy", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "forwards", nargs="+", metavar="PROTO:LISTEN_HOST:LISTEN_PORT=TARGET_HOST:TARGET_PORT"
    )
    args = parser.parse_args(argv)
    try:
        forwards = [parse_forward(s) for s in args.forwards]
    except ValueError as exc:
        parser.error(str(exc))
    asyncio.run(serve(forwards))
    return 0


if __name__ == "__main__":
    sys.exit(main())
