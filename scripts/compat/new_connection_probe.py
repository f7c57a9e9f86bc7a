#!/usr/bin/env python3
"""How long a broker takes to answer a fresh connection, while a suite runs against it.

    scripts/compat/new_connection_probe.py 127.0.0.1:9092,127.0.0.1:9093 --seconds 200

Per broker, one thread: every 50 ms a new TCP connection, one ApiVersions v3 request (what
librdkafka sends first), the time to its whole answer; then the connection is closed. Prints per
broker how many were answered, the median, p99 and slowest, and each request left unanswered
within --timeout (with its local port, to find its TCP stream in a capture). Used for the
"no answer to ApiVersions for 10 s" failures of librdkafka's suite (docs/compat.md).
"""

from __future__ import annotations

import argparse
import socket
import struct
import threading
import time

# ApiVersions (key 18) v3: request header v2 (key, version, correlation id, client id, no tags),
# then client_software_name and client_software_version as compact strings, no tags
_BODY = b"\x00\x12\x00\x03\x00\x00\x00\x01\x00\x05probe\x00" + b"\x06probe\x041.0\x00"
FRAME = struct.pack(">i", len(_BODY)) + _BODY


def _read_exact(sock: socket.socket, n: int) -> None:
    while n > 0:
        chunk = sock.recv(min(n, 65536))
        if not chunk:
            raise ConnectionError("closed by the broker before the answer")
        n -= len(chunk)


def probe_once(host: str, port: int, timeout: float) -> tuple[float | None, str]:
    """Seconds to the answer, or None and why not."""
    start = time.monotonic()
    local = "?"
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            local = str(sock.getsockname()[1])
            sock.sendall(FRAME)
            size = bytearray()
            while len(size) < 4:
                chunk = sock.recv(4 - len(size))
                if not chunk:
                    raise ConnectionError("closed by the broker before the answer")
                size += chunk
            _read_exact(sock, struct.unpack(">i", bytes(size))[0])
            return time.monotonic() - start, local
    except OSError as exc:
        return None, f"local port {local}: {exc!r} after {time.monotonic() - start:.1f}s"


def run(host: str, port: int, seconds: float, timeout: float, out: dict) -> None:
    answered: list[float] = []
    missed: list[str] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        took, detail = probe_once(host, port, timeout)
        if took is None:
            missed.append(f"{time.time():.3f} {detail}")
        else:
            answered.append(took)
        time.sleep(0.05)
    out[(host, port)] = (sorted(answered), missed)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("brokers", help="host:port[,host:port...]")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--timeout", type=float, default=30, help="seconds to wait for one answer")
    a = ap.parse_args()
    targets = []
    for item in a.brokers.split(","):
        host, sep, port = item.rpartition(":")
        if not sep or not port.isdigit():
            ap.error(f"broker {item!r}: expected host:port, e.g. 127.0.0.1:9092")
        targets.append((host, int(port)))
    results: dict = {}
    threads = [threading.Thread(target=run, args=(h, p, a.seconds, a.timeout, results)) for h, p in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    unanswered = 0
    for (host, port), (took, missed) in sorted(results.items()):
        unanswered += len(missed)
        if took:
            median, p99 = took[len(took) // 2], took[int(len(took) * 0.99)]
            stats = (
                f"median {median * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, slowest {took[-1] * 1000:.1f} ms"
            )
        else:
            stats = "none answered"
        print(f"{host}:{port}: {len(took)} answered, {len(missed)} not; {stats}")
        for m in missed:
            print(f"  NOT ANSWERED at {m}")
    return 1 if unanswered else 0


if __name__ == "__main__":
    raise SystemExit(main())
