"""The port proxy forwarding real TCP and UDP on loopback (no namespaces needed)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest

from netlab.relays.portproxy import parse_forward


def test_parse_forward_shapes():
    f = parse_forward("tcp:0.0.0.0:9092=10.5.0.3:9092")
    assert (f.proto, f.listen_host, f.listen_port, f.target_host, f.target_port) == (
        "tcp",
        "0.0.0.0",
        9092,
        "10.5.0.3",
        9092,
    )
    assert parse_forward("udp:[::1]:53=[fd00::2]:5353").listen_host == "::1"
    for bad in ("sctp:0.0.0.0:1=1.2.3.4:1", "tcp:0.0.0.0:1", "tcp:[::]:0=1.2.3.4:1", "tcp:x=1.2.3.4:99999"):
        with pytest.raises(ValueError):
            parse_forward(bad)


def _free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_proxy_forwards_tcp_and_udp_on_loopback():
    tcp_target = socket.socket()
    tcp_target.bind(("127.0.0.1", 0))
    tcp_target.listen()
    udp_target = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp_target.bind(("127.0.0.1", 0))

    def tcp_echo():
        conn, _ = tcp_target.accept()
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
        conn.sendall(b"got:%d" % len(data))
        conn.close()

    def udp_echo():
        data, addr = udp_target.recvfrom(2048)
        udp_target.sendto(b"u:" + data, addr)

    threading.Thread(target=tcp_echo, daemon=True).start()
    threading.Thread(target=udp_echo, daemon=True).start()
    tport, uport = _free_port(), _free_port(socket.SOCK_DGRAM)
    proxy = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "netlab.relays.portproxy",
            f"tcp:127.0.0.1:{tport}=127.0.0.1:{tcp_target.getsockname()[1]}",
            f"udp:127.0.0.1:{uport}=127.0.0.1:{udp_target.getsockname()[1]}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proxy.stdout.readline().startswith("netlab-relay ready")
        with socket.create_connection(("127.0.0.1", tport), timeout=5) as c:
            c.sendall(b"x" * 200_000)  # more than one read: the pipe really streams
            c.shutdown(socket.SHUT_WR)
            assert c.recv(100) == b"got:200000"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.settimeout(5)
            u.sendto(b"ping", ("127.0.0.1", uport))
            assert u.recvfrom(100)[0] == b"u:ping"
    finally:
        proxy.terminate()
        assert proxy.wait(5) == 0  # SIGTERM is a clean stop
        tcp_target.close()
        udp_target.close()
