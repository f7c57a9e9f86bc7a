"""Traffic helpers run *inside* lab nodes (via the launcher), with bounded retries.

There is no `ping` binary on the reference machine, so `ping` sends real ICMP echo requests
from a raw socket in the node; name lookups go through the node's nsswitch/hosts files.
"""

from __future__ import annotations

import subprocess
import sys

from netlab.kernel.launcher import popen_in_node, run_in_node

PING = r"""
import os, socket, struct, sys, time
dst = socket.gethostbyname(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(0.5)
ident = os.getpid() & 0xFFFF
def csum(b):
    b += b"\0" * (len(b) & 1)
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xFFFF); t += t >> 16
    return ~t & 0xFFFF
for seq in range(1, int(sys.argv[2]) + 1):
    payload = b"netlab-ping"
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), ident, seq) + payload
    s.sendto(pkt, (dst, 0))
    end = time.time() + 0.5
    while time.time() < end:
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            break
        icmp = data[(data[0] & 15) * 4:]
        if icmp[0] == 0 and struct.unpack("!H", icmp[4:6])[0] == ident and addr[0] == dst:
            print("reply from", dst); sys.exit(0)
print("no reply from", dst); sys.exit(1)
"""

RESOLVE = r"""
import socket, sys
try:
    print(socket.gethostbyname(sys.argv[1]))
except socket.gaierror as exc:
    print("ERROR", exc.strerror); sys.exit(3)
"""

TCP_ECHO_SERVER = r"""
import socket, sys
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2]))); srv.listen(16)
print("listening", flush=True)
while True:
    c, a = srv.accept()
    data = c.recv(4096)
    c.sendall(b"echo:" + data + b" from:" + a[0].encode())
    c.close()
"""

TCP_CLIENT = r"""
import socket, sys, time
for _ in range(40):
    try:
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
        s.sendall(sys.argv[3].encode()); s.shutdown(socket.SHUT_WR)
        data = s.recv(4096)
        if data:
            print(data.decode()); sys.exit(0)
    except OSError as exc:
        err = exc
    time.sleep(0.05)
print("FAILED", err if 'err' in dir() else "empty reply"); sys.exit(1)
"""


def py(netns: str, node: str, script: str, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return run_in_node(
        netns, node, [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=timeout
    )


def ping(netns: str, node: str, target: str, attempts: int = 8) -> subprocess.CompletedProcess:
    """Exit 0 on the first echo reply; `attempts` requests 0.5 s apart (use 2 to expect none)."""
    return py(netns, node, PING, target, str(attempts))


def resolve(netns: str, node: str, name: str) -> subprocess.CompletedProcess:
    return py(netns, node, RESOLVE, name)


def tcp_request(netns: str, node: str, host: str, port: int, text: str) -> subprocess.CompletedProcess:
    return py(netns, node, TCP_CLIENT, host, str(port), text)


def start_echo_server(netns: str, node: str, bind: str, port: int) -> subprocess.Popen:
    proc = popen_in_node(
        netns,
        node,
        [sys.executable, "-u", "-c", TCP_ECHO_SERVER, bind, str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()  # blocks until it listens (or dies: empty line)
    assert line.startswith("listening"), f"echo server in {node} did not start"
    return proc
