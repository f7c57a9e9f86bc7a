"""Memory per connection and per request is bounded (issue 11, broker/connection.py):
a connection is muted while its request is in flight, big-frame buffers come from a pool of
queued.max.request.bytes and become resident only as bytes arrive, and idle connections are
closed after connections.max.idle.ms. Memory is the broker's own VmRSS, read from /proc."""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest
from brokerproc import start_broker
from rawclient import RawClient

from broker.protocol.client import KafkaClient, WireError

MB = 1 << 20


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def api_versions_frame(pad: int = 0, corr: int = 1) -> bytes:
    """ApiVersions v0 (key 18) with `pad` bytes after the body (ignored by the broker)."""
    body = struct.pack(">hhih", 18, 0, corr, 4) + b"test" + b"\0" * pad
    return struct.pack(">i", len(body)) + body


@pytest.fixture
def broker(tmp_path, request):
    extra = getattr(request, "param", [])
    bp = start_broker(tmp_path, ["group.initial.rebalance.delay.ms=0", *extra])
    assert bp.proc.poll() is None, bp.output()
    yield bp
    bp.stop()


@pytest.mark.clients
def test_pipelined_big_requests_wait_in_the_kernel_not_in_the_broker(broker):
    """A long-polling Fetch is in flight; 20 more 5 MB requests follow on the same connection.
    Before: up to 32 frames were read and queued (100 MB here, 3.2 GB at 100 MB frames)."""
    from confluent_kafka.admin import AdminClient, NewTopic
    from kafka.protocol.consumer import FetchRequest

    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("mute", 1, 1)])["mute"].result(15)
    before = rss_mb(broker.proc.pid)
    rc = RawClient("127.0.0.1", broker.port, timeout=30)
    fp = FetchRequest.FetchTopic.FetchPartition(
        partition=0, fetch_offset=0, partition_max_bytes=MB, version=11
    )
    fetch = FetchRequest(
        replica_id=-1,
        max_wait_ms=6000,
        min_bytes=1,
        max_bytes=MB,
        isolation_level=0,
        topics=[FetchRequest.FetchTopic(topic="mute", partitions=[fp], version=11)],
        version=11,
    )
    rc.request(fetch, 11, expect_response=False)
    time.sleep(0.3)  # the fetch is parked now
    junk = api_versions_frame(pad=5 * MB)
    sender = threading.Thread(target=lambda: _send_quietly(rc.sock, junk * 20), daemon=True)
    sender.start()
    time.sleep(2.5)
    grown = rss_mb(broker.proc.pid) - before
    rc.close()
    print(f"\nRSS growth with a request in flight and 100 MB pipelined behind it: {grown:.1f} MB")
    assert grown < 30, f"broker RSS grew {grown:.0f} MB while one request was in flight"


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:
        pass


@pytest.mark.parametrize("broker", [["connections.max.idle.ms=1500"]], indirect=True)
def test_slowloris_pins_no_memory_and_is_closed_when_idle(broker):
    """300 connections each announce a 100 MB request (socket.request.max.bytes) and send 16
    bytes of it. Before: a 100 MB buffer was allocated and zeroed per connection; 500 idle
    connections stayed open for ever."""
    before = rss_mb(broker.proc.pid)
    socks = []
    header = struct.pack(">i", 104857600) + b"\0" * 16
    for _ in range(300):
        s = socket.create_connection(("127.0.0.1", broker.port), timeout=10)
        s.sendall(header)
        socks.append(s)
    time.sleep(0.5)
    grown = rss_mb(broker.proc.pid) - before
    print(f"\nRSS growth for 300 connections announcing 100 MB each: {grown:.1f} MB")
    assert grown < 60, f"broker RSS grew {grown:.0f} MB for 300 slow connections"
    deadline = time.monotonic() + 10
    closed = 0
    for s in socks:
        s.settimeout(max(deadline - time.monotonic(), 0.1))
        try:
            if s.recv(1) == b"":
                closed += 1
        except (ConnectionResetError, TimeoutError):
            pass
        s.close()
    assert closed == 300, f"only {closed} of 300 idle connections were closed"
    # a working client is served meanwhile and afterwards
    rc = RawClient("127.0.0.1", broker.port)
    rc.send_raw(api_versions_frame())
    assert len(rc.recv_frame()) > 10
    rc.close()


@pytest.mark.parametrize("broker", [["queued.max.request.bytes=3000000"]], indirect=True)
def test_queued_max_request_bytes_mutes_until_memory_returns(broker):
    """A holds 2 MB of the 3 MB pool with a half-sent request; B's complete 2 MB request waits
    (muted, in the kernel) until A's request is done, then is answered."""
    a = socket.create_connection(("127.0.0.1", broker.port), timeout=10)
    full = api_versions_frame(pad=2 * MB, corr=7)
    a.sendall(full[:100_000])
    time.sleep(0.3)
    b = RawClient("127.0.0.1", broker.port, timeout=1.5)
    b.send_raw(api_versions_frame(pad=2 * MB, corr=9))
    with pytest.raises(WireError, match="no response within"):
        b.recv_frame()  # muted: the pool has no room for it
    a.sendall(full[100_000:])
    assert struct.unpack(">i", KafkaClient(a, 10).recv_frame()[:4])[0] == 7
    b.sock.settimeout(10)
    assert struct.unpack(">i", b.recv_frame()[:4])[0] == 9
    a.close()
    b.close()
