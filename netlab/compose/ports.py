"""Compose `ports:` in every form, and Docker's host port for a container-only port.

Short syntax (compose-spec "ports"): `[HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL]`,
an IPv6 HOST_IP in brackets, a bare number for a container-only port; long syntax
`{target, published, host_ip, protocol, mode, name, app_protocol}` where `published` may be a
range string. A range publishes port by port; HOST_PORT ranges must be as long as the container
range (Docker: "port ranges don't match" otherwise) — a single host port for a container range is
refused the same way. A container-only port (no HOST_PORT) gets a free host port from Docker's
port allocator, which hands them out upwards from the start of the kernel's ephemeral range
(net.ipv4.ip_local_port_range, 32768 by default): netlab does the same, so the lab prints it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

EPHEMERAL_START = 32768  # Linux ip_local_port_range default low end: Docker's allocator begins here
EPHEMERAL_END = 60999


class PortSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Publish:
    target: int
    published: int | None  # None: Docker picks a free host port
    host_ip: str | None
    protocol: str = "tcp"
    text: str = ""  # as written, for comments
    auto: bool = False  # the host port was picked by Docker's allocator

    @property
    def ipv6(self) -> bool:
        return self.host_ip is not None and ":" in self.host_ip


def _port(text: str, what: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise PortSyntaxError(f"{what} {text!r} is not a port number 1-65535")
    return int(text)


def _range(text: str, what: str) -> list[int]:
    low, dash, high = text.partition("-")
    start = _port(low, what)
    end = _port(high, what) if dash else start
    if end < start:
        raise PortSyntaxError(f"{what} range {text!r} ends before it starts")
    return list(range(start, end + 1))


def _pairs(host: str | None, container: str, host_ip: str | None, proto: str, text: str) -> list[Publish]:
    targets = _range(container, "container port")
    if host is None or host == "":
        return [Publish(t, None, host_ip, proto, text) for t in targets]
    hosts = _range(host, "host port")
    if len(hosts) == 1 and len(targets) == 1:
        return [Publish(targets[0], hosts[0], host_ip, proto, text)]
    if len(hosts) != len(targets):
        raise PortSyntaxError(
            f"{text!r}: port ranges don't match in length ({len(hosts)} host ports for "
            f"{len(targets)} container ports)"
        )
    return [Publish(t, h, host_ip, proto, text) for h, t in zip(hosts, targets, strict=True)]


def _host_ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        raise PortSyntaxError(f"{text!r} is not an IP address to bind the published port to") from None


def parse_short(value: str | int) -> list[Publish]:
    text = str(value).strip()
    spec, _, proto = text.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise PortSyntaxError(f"{text!r}: unknown protocol {proto!r} (tcp, udp or sctp)")
    host_ip = None
    if spec.startswith("["):  # [IPv6]:host:container
        close = spec.find("]")
        if close < 0 or spec[close + 1 : close + 2] != ":":
            raise PortSyntaxError(f"{text!r}: expected [IPV6]:HOSTPORT:CONTAINERPORT")
        host_ip = _host_ip(spec[: close + 1])
        spec = spec[close + 2 :]
        parts = spec.split(":")
        if len(parts) != 2:
            raise PortSyntaxError(f"{text!r}: expected [IPV6]:HOSTPORT:CONTAINERPORT")
        return _pairs(parts[0], parts[1], host_ip, proto, text)
    parts = spec.split(":")
    if len(parts) == 1:
        return _pairs(None, parts[0], None, proto, text)
    if len(parts) == 2:
        return _pairs(parts[0], parts[1], None, proto, text)
    if len(parts) == 3:
        return _pairs(parts[1], parts[2], _host_ip(parts[0]), proto, text)
    raise PortSyntaxError(
        f"{text!r}: expected CONTAINERPORT, HOSTPORT:CONTAINERPORT or IP:HOSTPORT:CONTAINERPORT"
    )


def parse_long(value: dict) -> list[Publish]:
    target = value.get("target")
    if target is None:
        raise PortSyntaxError("a long-syntax port needs `target` (the container port)")
    published = value.get("published")
    host_ip = value.get("host_ip")
    proto = str(value.get("protocol") or "tcp").lower()
    text = f"{host_ip + ':' if host_ip else ''}{published if published is not None else ''}:{target}/{proto}"
    if value.get("mode") == "ingress" and value.get("mode") is not None:
        pass  # the default; `host` mode publishes the same way on a single engine
    return _pairs(
        None if published in (None, "") else str(published),
        str(target),
        None if not host_ip else _host_ip(str(host_ip)),
        proto,
        text,
    )


def parse_ports(items: Iterable) -> list[Publish]:
    out: list[Publish] = []
    for item in items:
        out.extend(parse_long(item) if isinstance(item, dict) else parse_short(item))
    return out


class HostPortAllocator:
    """Docker's port allocator for container-only ports: the lowest free port from 32768 up,
    per protocol, skipping every port the project publishes explicitly."""

    def __init__(self, taken: Iterable[tuple[str, int]]):
        self.taken = set(taken)
        self.next = {"tcp": EPHEMERAL_START, "udp": EPHEMERAL_START, "sctp": EPHEMERAL_START}

    def allocate(self, proto: str) -> int:
        port = self.next[proto]
        while (proto, port) in self.taken:
            port += 1
        if port > EPHEMERAL_END:
            raise PortSyntaxError("no free host port left in Docker's range 32768-60999")
        self.taken.add((proto, port))
        self.next[proto] = port + 1
        return port
