"""A broker out of file descriptors still answers every connection it accepted.

At the limit, accept() fails (the connection waits in the kernel's backlog and is answered once
descriptors come back, as with Kafka's Acceptor), or accept() takes the last descriptor and the
connection's second one (the private write handle, broker/connection.py) fails. That second case
once left an accepted connection without a worker: its request was never answered, not even after
descriptors came back (librdkafka's "ApiVersionRequest failed: timed out" in its own suite).
Both parities of the limit are run, since each connection costs the broker two descriptors."""

from __future__ import annotations

import socket
import struct
import time

import pytest
from brokerproc import start_broker

API_VERSIONS_V0 = struct.pack(">hhih", 18, 0, 1, 4) + b"ping"
FRAME = struct.pack(">i", len(API_VERSIONS_V0)) + API_VERSIONS_V0


def _ask(port: int, timeout: float) -> tuple[socket.socket, bool]:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(FRAME)
    s.settimeout(timeout)
    try:
        return s, len(s.recv(4, socket.MSG_WAITALL)) == 4
    except TimeoutError:
        return s, False


@pytest.mark.parametrize("limit", [64, 65])
def test_every_accepted_connection_is_answered_once_descriptors_come_back(tmp_path, limit):
    bp = start_broker(tmp_path, prefix=["prlimit", f"--nofile={limit}:{limit}"], wait_for="started")
    kept: list[socket.socket] = []
    try:
        assert bp.proc.poll() is None, bp.output()
        silent = None
        for _ in range(limit):  # each answered connection holds two of the broker's descriptors
            s, answered = _ask(bp.port, 2.0)
            if not answered:
                silent = s
                break
            kept.append(s)
        assert silent is not None, "the broker never ran out of descriptors"
        for s in kept:  # give the broker its descriptors back
            s.close()
        kept.clear()
        silent.settimeout(15)
        try:
            answer = silent.recv(4, socket.MSG_WAITALL)
        except TimeoutError:
            answer = b""
        finally:
            silent.close()
        assert len(answer) == 4, "an accepted connection was never answered:\n" + bp.output()[-3000:]
        time.sleep(0.2)
        s, answered = _ask(bp.port, 5.0)  # and it serves new connections again
        s.close()
        assert answered
    finally:
        for s in kept:
            s.close()
        bp.stop()
