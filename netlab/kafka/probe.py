"""The step-by-step probe behind `netlab check`: what a Kafka client does, one stage at a time.

    python -m netlab.kafka.probe --bootstrap HOST:PORT [--json] [--timeout S]

Stages: resolve the bootstrap host (glibc's own error text) → TCP connect (errno text) →
ApiVersions → Metadata (the advertised endpoints and the controller id) → for every advertised
endpoint: resolve, connect, ApiVersions (so a port that answers but is not Kafka is caught).
netlab starts it inside a node the way `ip netns exec` does, so names resolve with that node's
/etc/hosts. Exit status: 0 every stage ok, 1 a stage failed, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from netlab.errors import InputError

from .results import (
    ADVERTISED_API_VERSIONS,
    ADVERTISED_CONNECT,
    ADVERTISED_RESOLVE,
    API_VERSIONS,
    CONNECT,
    METADATA,
    RESOLVE,
    AdvertisedBroker,
    ProbeResult,
    Stage,
)
from .wire import KafkaWire, WireError

DEFAULT_TIMEOUT = 5.0
PARALLEL = 16  # targets probed at once by one process (--bootstraps, --links, --tcp-links)


@dataclass(frozen=True)
class HostPort:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_host_port(text: str, where: str = "--bootstrap") -> HostPort:
    """`host:port` or `[v6addr]:port`; a clear InputError otherwise."""
    host, sep, port = text.strip().rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(
            f"expected HOST:PORT with a port 1-65535, e.g. localhost:9092; got {text!r}", where=where
        )
    return HostPort(host, int(port))


class _Clock:
    def __init__(self) -> None:
        self.t0 = time.monotonic()

    def ms(self) -> float:
        return round((time.monotonic() - self.t0) * 1000, 3)


def resolve(hp: HostPort, stage: str) -> tuple[Stage, list[tuple]]:
    """getaddrinfo as clients call it; on failure the error is glibc's text (gai_strerror)."""
    clock = _Clock()
    try:
        infos = socket.getaddrinfo(hp.host, hp.port, socket.AF_UNSPEC, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return Stage(stage, str(hp), False, exc.strerror or str(exc), clock.ms()), []
    except UnicodeError as exc:  # e.g. a label longer than 63 characters
        return Stage(stage, str(hp), False, f"invalid host name: {exc}", clock.ms()), []
    seen: list[tuple] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if (family, sockaddr) not in seen:
            seen.append((family, sockaddr))
    addrs = [sa[0] for _, sa in seen]
    return Stage(stage, str(hp), True, None, clock.ms(), {"addresses": addrs}), seen


def _errno_text(exc: OSError) -> str:
    if isinstance(exc, TimeoutError) or exc.errno is None:
        return os.strerror(errno.ETIMEDOUT)  # "Connection timed out", as the kernel would say
    return os.strerror(exc.errno)


def connect(
    hp: HostPort, addrs: list[tuple], stage: str, timeout: float
) -> tuple[Stage, socket.socket | None]:
    """Try the resolved addresses in order (as clients do) until one accepts."""
    clock = _Clock()
    tried: list[dict] = []
    for family, sockaddr in addrs:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            tried.append({"address": sockaddr[0], "error": _errno_text(exc)})
            continue
        local = sock.getsockname()
        return Stage(
            stage,
            str(hp),
            True,
            None,
            clock.ms(),
            {"address": sockaddr[0], "local": f"{local[0]}:{local[1]}", "tried": tried},
        ), sock
    return Stage(stage, str(hp), False, _telling_error(tried), clock.ms(), {"tried": tried}), None


# An address of a family the node has no address of (::1 in a Docker container, whose IPv6 is
# disabled although its hosts file lists ::1 localhost): the client moves on to the next address
# and reports what that one said (librdkafka: "Connect to ipv4#127.0.0.1:9092 failed: Connection
# refused"), so that is the error that tells.
_NOT_TELLING = os.strerror(errno.EADDRNOTAVAIL)


def _telling_error(tried: list[dict]) -> str:
    if not tried:
        return "no address to connect to"
    telling = [t["error"] for t in tried if t["error"] != _NOT_TELLING]
    return (telling or [tried[-1]["error"]])[-1]


def api_versions(
    hp: HostPort, sock: socket.socket, stage: str, timeout: float
) -> tuple[Stage, KafkaWire, dict]:
    clock = _Clock()
    wire = KafkaWire(sock, timeout)
    try:
        ans = wire.api_versions()
    except WireError as exc:
        return Stage(stage, str(hp), False, f"not a Kafka answer: {exc}", clock.ms()), wire, {}
    md = ans.ranges.get(3)
    return (
        Stage(
            stage,
            str(hp),
            True,
            None,
            clock.ms(),
            {"version": ans.version, "apis": len(ans.ranges), "metadata_versions": list(md) if md else None},
        ),
        wire,
        ans.ranges,
    )


def metadata(hp: HostPort, wire: KafkaWire, ranges: dict, result: ProbeResult) -> Stage:
    clock = _Clock()
    try:
        version, md = wire.metadata(ranges)
    except WireError as exc:
        return Stage(METADATA, str(hp), False, str(exc), clock.ms())
    result.metadata_version = version
    result.brokers = [AdvertisedBroker(b["node_id"], b["host"], b["port"], b["rack"]) for b in md["brokers"]]
    result.controller_id = md["controller_id"]
    result.cluster_id = md["cluster_id"]
    stage = Stage(
        METADATA,
        str(hp),
        True,
        None,
        clock.ms(),
        {
            "version": version,
            "controller_id": md["controller_id"],
            "brokers": [f"{b.node_id}@{b.endpoint}" for b in result.brokers],
        },
    )
    if not result.brokers:
        stage.ok = False
        stage.error = "Metadata listed no brokers for this listener"
    return stage


def _check_endpoint(hp: HostPort, timeout: float) -> list[Stage]:
    st, addrs = resolve(hp, ADVERTISED_RESOLVE)
    if not st.ok:
        return [st]
    cst, sock = connect(hp, addrs, ADVERTISED_CONNECT, timeout)
    if sock is None:
        return [st, cst]
    try:
        ast, _wire, _ = api_versions(hp, sock, ADVERTISED_API_VERSIONS, timeout)
    finally:
        sock.close()
    return [st, cst, ast]


def probe(bootstrap: str | HostPort, timeout: float = DEFAULT_TIMEOUT, *, link: bool = False) -> ProbeResult:
    """Run every stage; stop early only when the next stage cannot run (no address, no socket).
    `link`: only resolve, connect and ApiVersions, as a broker reaching another broker's
    inter-broker or controller endpoint (it does not follow Metadata from there)."""
    hp = bootstrap if isinstance(bootstrap, HostPort) else parse_host_port(bootstrap)
    result = ProbeResult(str(hp))
    st, addrs = resolve(hp, RESOLVE)
    result.stages.append(st)
    if not st.ok:
        return result
    st, sock = connect(hp, addrs, CONNECT, timeout)
    result.stages.append(st)
    if sock is None:
        return result
    try:
        st, wire, ranges = api_versions(hp, sock, API_VERSIONS, timeout)
        result.stages.append(st)
        if not st.ok or link:
            return result
        st = metadata(hp, wire, ranges, result)
        result.stages.append(st)
    finally:
        sock.close()
    checked: set[tuple[str, int]] = set()
    for b in result.brokers:
        if (b.host, b.port) in checked:
            continue
        checked.add((b.host, b.port))
        stages = _check_endpoint(HostPort(b.host, b.port), timeout)
        for s in stages:
            s.detail["node_id"] = b.node_id
        result.stages.extend(stages)
    return result


def probe_tcp(target: str | HostPort, timeout: float = DEFAULT_TIMEOUT) -> ProbeResult:
    """Resolve and connect only: a ZooKeeper-mode broker's link to its ZooKeeper (not Kafka)."""
    hp = target if isinstance(target, HostPort) else parse_host_port(target)
    result = ProbeResult(str(hp))
    st, addrs = resolve(hp, RESOLVE)
    result.stages.append(st)
    if st.ok:
        st, sock = connect(hp, addrs, CONNECT, timeout)
        result.stages.append(st)
        if sock is not None:
            sock.close()
    return result


def render_text(result: ProbeResult) -> str:
    lines = [f"probe {result.bootstrap}"]
    for s in result.stages:
        mark = "ok  " if s.ok else "FAIL"
        extra = s.error if not s.ok else ", ".join(f"{k}={v}" for k, v in s.detail.items() if k != "tried")
        lines.append(f"  {mark} {s.name:<24} {s.target:<28} {s.elapsed_ms:8.1f} ms  {extra}")
    failed = result.failed
    lines.append(
        f"result: failed at {failed.name} ({failed.target}): {failed.error}"
        if failed is not None
        else "result: ok"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m netlab.kafka.probe",
        description="Probe a Kafka bootstrap address stage by stage, as a client would.",
    )
    p.add_argument("--bootstrap", metavar="HOST:PORT")
    p.add_argument(
        "--bootstraps",
        nargs="+",
        metavar="HOST:PORT",
        help="probe several bootstrap addresses as --bootstrap does, in parallel; with --json a list "
        "(one process for all of a node's client rows)",
    )
    p.add_argument(
        "--links",
        nargs="+",
        metavar="HOST:PORT",
        help="check several endpoints as --link does, in parallel; with --json a list (one process "
        "for all of a broker's links)",
    )
    p.add_argument(
        "--tcp-links",
        nargs="+",
        metavar="HOST:PORT",
        help="as --links, but only resolve and connect (a broker's link to ZooKeeper)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--link",
        action="store_true",
        help="check only this endpoint (resolve, connect, ApiVersions), as a broker does for an "
        "inter-broker or controller link",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"per-step timeout in seconds (default {DEFAULT_TIMEOUT:g})",
    )
    args = p.parse_args(argv)
    if not 0 < args.timeout <= 600:
        print(f"--timeout: expected seconds in (0, 600], got {args.timeout}", file=sys.stderr)
        return 2
    lists = {
        "--bootstraps": args.bootstraps,
        "--links": args.links,
        "--tcp-links": args.tcp_links,
    }
    given = [flag for flag, targets in lists.items() if targets is not None]
    if len(given) + (args.bootstrap is not None) != 1:
        print(
            "give one of --bootstrap HOST:PORT, --bootstraps, --links or --tcp-links HOST:PORT ...",
            file=sys.stderr,
        )
        return 2
    try:
        if args.bootstrap is not None:
            results = [probe(args.bootstrap, args.timeout, link=args.link)]
        else:
            flag = given[0]
            targets = lists[flag]
            for target in targets:
                parse_host_port(target, flag)
            results = _probe_all(targets, args.timeout, flag)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.bootstrap is None:
        print(
            json.dumps([r.to_dict() for r in results], indent=2)
            if args.json
            else "\n".join(render_text(r) for r in results)
        )
    else:
        print(json.dumps(results[0].to_dict(), indent=2) if args.json else render_text(results[0]))
    return 0 if all(r.ok for r in results) else 1


def _probe_all(targets: list[str], timeout: float, flag: str) -> list[ProbeResult]:
    """Every target side by side (each mostly waits on the network), results in target order."""
    run = (
        partial(probe_tcp, timeout=timeout)
        if flag == "--tcp-links"
        else partial(probe, timeout=timeout, link=flag == "--links")
    )

    def one(target: str) -> ProbeResult:  # one target's crash is its own row's, not the node's
        try:
            return run(target)
        except Exception as exc:
            return ProbeResult(target, [Stage(RESOLVE, target, False, f"the probe failed: {exc!r}")])

    with ThreadPoolExecutor(min(PARALLEL, len(targets))) as pool:
        return list(pool.map(one, targets))


if __name__ == "__main__":
    sys.exit(main())
