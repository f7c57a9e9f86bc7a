"""CreateTopics is bounded (issue 11): at most 10,000 partitions per request, answered with
Kafka's POLICY_VIOLATION; a big creation runs beside other clients (they are served meanwhile);
a partition's files are opened on first use (then one fd, its segment's .log), not three at once."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time

import pytest
from brokerproc import start_broker

pytestmark = pytest.mark.clients


@pytest.fixture
def broker(tmp_path):
    bp = start_broker(tmp_path)
    assert bp.proc.poll() is None, bp.output()
    yield bp
    bp.stop()


def _admin(bp):
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": bp.bootstrap})


def _create(admin, topics, timeout=60):
    futures = admin.create_topics(topics, request_timeout=timeout, operation_timeout=timeout)
    out = {}
    for name, fut in futures.items():
        try:
            fut.result(timeout + 5)
            out[name] = None
        except Exception as exc:
            out[name] = exc.args[0]
    return out


def _raw_create(bp, topics: dict[str, int]) -> dict[str, tuple[int, str]]:
    """CreateTopics v5 with kafka-python's encoder (librdkafka refuses > 100,000 partitions)."""
    from kafka.protocol.admin import CreateTopicsRequest
    from rawclient import RawClient

    rc = RawClient("127.0.0.1", bp.port, timeout=30)
    try:
        req = CreateTopicsRequest(
            topics=[
                CreateTopicsRequest.CreatableTopic(
                    name=n, num_partitions=p, replication_factor=1, assignments=[], configs=[], version=5
                )
                for n, p in topics.items()
            ],
            timeout_ms=30000,
            validate_only=False,
            version=5,
        )
        return {t.name: (t.error_code, t.error_message) for t in rc.request(req, 5).topics}
    finally:
        rc.close()


def test_one_request_may_create_at_most_10000_partitions(broker):
    """Before: num_partitions=2147483647 kept the broker busy for 80 s, then EMFILE."""
    t0 = time.monotonic()
    res = _raw_create(broker, {"huge": 2147483647})
    assert time.monotonic() - t0 < 10
    assert res["huge"] == (44, "Excessively large number of partitions per request.")  # POLICY_VIOLATION
    # the whole request is refused, as Kafka does: two topics of 6,000 each
    res = _raw_create(broker, {"half-a": 6000, "half-b": 6000})
    assert {code for code, _ in res.values()} == {44}, res
    assert not [d for d in os.listdir(broker.log_dir) if d.startswith(("huge-", "half-"))]
    # within the bound it works (a real client too)
    from confluent_kafka.admin import NewTopic

    assert _create(_admin(broker), [NewTopic("fine", 3, 1)]) == {"fine": None}
    assert _raw_create(broker, {"ten": 10}) == {"ten": (0, None)}


def _api_versions_latency(port: int, stop: threading.Event, out: list[float]) -> None:
    _api_versions_latency_at("127.0.0.1", port, stop, out)


def _api_versions_latency_at(host: str, port: int, stop: threading.Event, out: list[float]) -> None:
    body = struct.pack(">hhih", 18, 0, 1, 4) + b"ping"
    frame = struct.pack(">i", len(body)) + body
    with socket.create_connection((host, port), timeout=60) as s:
        while not stop.is_set():
            t0 = time.monotonic()
            s.sendall(frame)
            size = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))[0]
            s.recv(size, socket.MSG_WAITALL)
            out.append(time.monotonic() - t0)
            time.sleep(0.02)


@pytest.mark.slow
def test_3000_partitions_do_not_stop_other_clients_and_hold_no_fd_until_used(broker):
    """Before: 28 s in which no other client was served, 9,000 file descriptors."""
    from confluent_kafka.admin import NewTopic

    fds_before = len(os.listdir(f"/proc/{broker.proc.pid}/fd"))
    stop = threading.Event()
    latencies: list[float] = []
    probe = threading.Thread(target=_api_versions_latency, args=(broker.port, stop, latencies), daemon=True)
    probe.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    res = _create(_admin(broker), [NewTopic("wide", 3000, 1)], timeout=120)
    took = time.monotonic() - t0
    stop.set()
    probe.join(30)
    assert res == {"wide": None}
    assert len(os.listdir(broker.log_dir / "wide-2999")) >= 3  # .log, .index, .timeindex exist
    fds = len(os.listdir(f"/proc/{broker.proc.pid}/fd")) - fds_before
    # segments are opened on first use (then kept, like Kafka's): fresh partitions cost none
    assert fds <= 50, f"{fds} more open files for 3,000 fresh partitions"
    print(
        f"\n3,000 partitions: {took:.1f} s, {fds} fds; another client: {len(latencies)} requests, "
        f"slowest {max(latencies) * 1000:.0f} ms"
    )
    assert len(latencies) > 10
    # a blocked event loop makes the other client wait out nearly the whole creation; a loaded
    # machine (parallel test workers on 2 cores) adds scheduling hiccups, never a share of `took`
    assert max(latencies) < max(2.0, took / 4), f"another client waited {max(latencies):.1f} of {took:.1f} s"


@pytest.mark.slow
def test_3000_partitions_in_a_cluster_do_not_stop_any_broker(tmp_path):
    """Forwarded to the controller (node 1), placed on all three; every node makes its share
    of the logs in a worker thread, while its clients are served."""
    from clusterproc import Cluster
    from confluent_kafka.admin import AdminClient, NewTopic

    c = Cluster(tmp_path)
    try:
        c.start_all()
        stop = threading.Event()
        latencies: dict[int, list[float]] = {i: [] for i in (1, 2, 3)}
        probes = [
            threading.Thread(
                target=_api_versions_latency_at, args=(n.host, n.external, stop, latencies[i]), daemon=True
            )
            for i, n in c.nodes.items()
        ]
        for p in probes:
            p.start()
        time.sleep(0.3)
        admin = AdminClient({"bootstrap.servers": c.nodes[2].bootstrap})
        t0 = time.monotonic()
        res = _create(admin, [NewTopic("wide", 3000, 1)], timeout=120)
        took = time.monotonic() - t0
        del admin
        # the other brokers make their logs once the metadata reaches them: wait for all 3,000
        c.wait(lambda: sum(len(list(c.tmp.glob(f"logs-{i}/wide-*"))) for i in (1, 2, 3)) == 3000, 120)
        stop.set()
        for p in probes:
            p.join(30)
        assert res == {"wide": None}
        worst = {i: max(v) for i, v in latencies.items()}
        print(f"\n3,000 partitions over 3 brokers: {took:.1f} s; slowest other request per node: {worst}")
        assert all(len(v) > 10 for v in latencies.values())
        # what remains on the loop is applying a 3,000-partition snapshot (~0.5 s when loaded);
        # making the logs on it took the whole creation (seconds)
        assert max(worst.values()) < max(3.0, took / 4), (worst, took)
    finally:
        c.stop_all()


def _raw_create_partitions(bp, counts: dict[str, int]) -> dict[str, tuple[int, str]]:
    """CreatePartitions v1 with kafka-python's encoder (librdkafka checks counts itself)."""
    from kafka.protocol.admin import CreatePartitionsRequest
    from rawclient import RawClient

    rc = RawClient("127.0.0.1", bp.port, timeout=30)
    try:
        req = CreatePartitionsRequest(
            topics=[
                CreatePartitionsRequest.CreatePartitionsTopic(name=n, count=c, assignments=None, version=1)
                for n, c in counts.items()
            ],
            timeout_ms=30000,
            validate_only=False,
            version=1,
        )
        return {r.name: (r.error_code, r.error_message) for r in rc.request(req, 1).results}
    finally:
        rc.close()


def test_one_create_partitions_request_may_add_at_most_10000_partitions(broker):
    """As CreateTopics: Kafka 3.7's controller fails an operation of more than 10,000 records
    with POLICY_VIOLATION (EventHandlerExceptionInfo)."""
    assert _raw_create(broker, {"grow-a": 1, "grow-b": 1}) == {"grow-a": (0, None), "grow-b": (0, None)}
    t0 = time.monotonic()
    res = _raw_create_partitions(broker, {"grow-a": 2147483647})
    assert time.monotonic() - t0 < 10
    assert res["grow-a"] == (44, "Unable to perform excessively large batch operation.")
    res = _raw_create_partitions(broker, {"grow-a": 6001, "grow-b": 6001})  # the whole request
    assert {code for code, _ in res.values()} == {44}, res
    assert not (broker.log_dir / "grow-a-1").exists()
    assert _raw_create_partitions(broker, {"grow-a": 3}) == {"grow-a": (0, None)}  # within the bound
    assert (broker.log_dir / "grow-a-2").exists()
