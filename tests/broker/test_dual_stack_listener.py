"""A listener with an empty host binds the dual-stack wildcard [::], as Kafka's JVM does: a
client of `localhost` reaches it over ::1 and over 127.0.0.1. `0.0.0.0` stays IPv4 only.
(Run in a throwaway namespace so the loopback ports are our own.)"""

from __future__ import annotations

import socket
import subprocess

import pytest
from brokerproc import free_port, start_broker
from test_listeners_netns import netns  # noqa: F401  (fixture)

pytestmark = [pytest.mark.root]

PROBE = (
    "import socket,sys\n"
    "fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET\n"
    "s = socket.socket(fam); s.settimeout(3)\n"
    "print(s.connect_ex((sys.argv[1], int(sys.argv[2]))))\n"
)


def connect_in(ns: str, addr: str, port: int) -> int:
    import sys

    r = subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, "-c", PROBE, addr, str(port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return int(r.stdout.strip())


def test_empty_host_takes_ipv6_and_ipv4_loopback(tmp_path, netns):  # noqa: F811
    port = free_port()
    bp = start_broker(
        tmp_path,
        [f"listeners=PLAINTEXT://:{port}", f"advertised.listeners=PLAINTEXT://localhost:{port}"],
        prefix=["ip", "netns", "exec", netns],
        port=port,
    )
    try:
        assert "started" in bp.output(), bp.output()
        assert connect_in(netns, "::1", port) == 0
        assert connect_in(netns, "127.0.0.1", port) == 0
    finally:
        bp.stop()


def test_0000_is_ipv4_only(tmp_path, netns):  # noqa: F811
    port = free_port()
    bp = start_broker(
        tmp_path,
        [f"listeners=PLAINTEXT://0.0.0.0:{port}", f"advertised.listeners=PLAINTEXT://localhost:{port}"],
        prefix=["ip", "netns", "exec", netns],
        port=port,
    )
    try:
        assert "started" in bp.output(), bp.output()
        assert connect_in(netns, "127.0.0.1", port) == 0
        assert connect_in(netns, "::1", port) == 111  # ECONNREFUSED
    finally:
        bp.stop()


def test_predict_agrees_empty_host_is_dual_stack():
    from netlab.kafka.views import accepts

    assert accepts("", "::1") and accepts("", "127.0.0.1")
    assert accepts("::", "::1")
    assert not accepts("0.0.0.0", "::1")
    assert socket.has_ipv6
