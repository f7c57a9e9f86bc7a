"""Replica fetchers in incremental fetch sessions (KIP-227), seen on the wire: a 3-broker cluster
on 127.0.0.1-3 with a 48-partition replication-factor-3 topic, captured on the inter-broker
ports and read by tshark with Kafka's dissector. After each follower's first full fetch (epoch 0,
every partition) its requests are incremental (same session id, epoch counting up) and name
only the partitions whose offsets moved; the leader's answers carry only partitions with news.
The acks=all produce that drives it still succeeds with every record replicated."""

from __future__ import annotations

import struct
import subprocess
import time
from collections import defaultdict

import pytest
from clusterproc import Cluster
from kafka.protocol.consumer import FetchRequest, FetchResponse
from support import loopback_capture
from test_cluster import consume, create_topic

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

PARTS = 48


def _produce_one_by_one(bootstrap: str, topic: str, partition: int, values: list[bytes]) -> list:
    """acks=all, each write flushed before the next: each is its own replication round."""
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "message.timeout.ms": 15000, "linger.ms": 0})
    errors = []
    for v in values:
        p.produce(topic, v, partition=partition, on_delivery=lambda err, msg: errors.append(err))
        assert p.flush(20) == 0
    return errors


def _frames(pcap) -> dict[tuple[str, str, str], bytes]:
    """The TCP payload of each stream direction, in order, as tshark reads it from the pcap."""
    argv = ["tshark", "-r", str(pcap), "-Y", "tcp.len>0", "-o", "tcp.desegment_tcp_streams:FALSE"]
    argv += [
        "-T",
        "fields",
        "-e",
        "tcp.stream",
        "-e",
        "tcp.srcport",
        "-e",
        "tcp.dstport",
        "-e",
        "tcp.payload",
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True).stdout
    streams: dict[tuple[str, str, str], bytearray] = defaultdict(bytearray)
    for line in out.splitlines():
        stream, sport, dport, payload = line.split("\t")
        streams[(stream, sport, dport)] += bytes.fromhex(payload.replace(":", ""))
    return {k: bytes(v) for k, v in streams.items()}


def _split(buf: bytes) -> list[bytes]:
    frames, i = [], 0
    while i + 4 <= len(buf):
        (size,) = struct.unpack(">i", buf[i : i + 4])
        frames.append(buf[i + 4 : i + 4 + size])
        i += 4 + size
    return frames


def _fetches(pcap, ports: list[int]) -> list[tuple]:
    """(request, response) for each Fetch v12 on the inter-broker ports, decoded by kafka-python's
    protocol classes (Wireshark 4.0's dissector misreads flexible Fetch versions)."""
    streams = _frames(pcap)
    pairs = []
    for (stream, sport, dport), buf in streams.items():
        if int(dport) not in ports:
            continue
        asked = {}
        for frame in _split(buf):
            key, version, corr = struct.unpack(">hhi", frame[:8])
            if key == 1:
                assert version == 12
                asked[corr] = FetchRequest.decode(frame, version=12, header=True)
        for frame in _split(streams.get((stream, dport, sport), b"")):
            (corr,) = struct.unpack(">i", frame[:4])
            if corr in asked:
                pairs.append((asked[corr], FetchResponse.decode(frame, version=12, header=True)))
    return pairs


def _count(topics) -> int:
    return sum(len(t.partitions) for t in topics)


def test_followers_fetch_incrementally(tmp_path):
    c = Cluster(tmp_path)
    pcap = tmp_path / "fetch.pcap"
    try:
        c.start_all()
        ports = sorted(n.internal for n in c.nodes.values())
        with loopback_capture(ports, pcap):
            create_topic(c.bootstrap, "fsrep", PARTS, 3)
            values = [f"v{i}".encode() for i in range(20)]
            assert _produce_one_by_one(c.bootstrap, "fsrep", 0, values) == [None] * len(values)
            time.sleep(1.0)
    finally:
        c.stop_all()
    pairs = _fetches(pcap, ports)
    requests = [q for q, _ in pairs]
    assert requests, "no Fetch requests captured"
    full = [q for q in requests if q.session_epoch == 0]
    incremental = [(q, r) for q, r in pairs if q.session_epoch > 0]
    assert full, "no full fetch (epoch 0) seen"
    assert max(_count(q.topics) for q in full) == PARTS // 3  # each leader leads a third
    assert len(incremental) > 5 * len(full)
    assert all(q.session_id != 0 and r.session_id == q.session_id for q, r in incremental)
    # once in sessions, followers name only the partitions that moved: one per write, or none
    asked = sorted(_count(q.topics) for q, _ in incremental)
    assert asked[-1] <= 1
    assert {(t.topic, p.partition) for q, _ in incremental for t in q.topics for p in t.partitions} == {
        ("fsrep", 0)
    }
    # the leader answers with only the partitions that have news: one or none, except while the
    # new topic settles (NOT_LEADER_OR_FOLLOWER for every partition until the leader knows it
    # leads, then every partition again since an error resets what the session remembers)
    answered, settling, errored_before = [], 0, set()
    for q, r in pairs:  # in order on each connection, full fetches included
        errored = any(p.error_code for t in r.responses for p in t.partitions)
        if q.session_epoch <= 0:
            pass
        elif errored or q.session_id in errored_before:
            settling += 1
        else:
            answered.append(_count(r.responses))
        (errored_before.add if errored else errored_before.discard)(r.session_id)
    assert answered and max(answered) <= 1 and settling <= len(incremental) // 4

    def served(pairs) -> int:  # answers carrying records of the written partition
        return sum(
            bool(p.records) for _, r in pairs for t in r.responses for p in t.partitions if t.topic == "fsrep"
        )

    assert served(pairs) >= 2 * 20  # each of the 20 writes reached both followers, one at a time
    assert served(incremental) >= 2 * 20 - 4  # all but the first ones inside a session
    print(
        f"fetch requests: {len(full)} full ({[_count(q.topics) for q in full]} partitions), "
        f"{len(incremental)} incremental naming {sum(asked)} partitions in all; "
        f"partitions per incremental answer: {sorted(answered)}, {settling} settling answers"
    )


def test_acks_all_data_is_on_every_replica_after_sessions(tmp_path):
    c = Cluster(tmp_path)
    try:
        c.start_all()
        create_topic(c.bootstrap, "fsrep2", PARTS, 3)
        # a partition led by node 2 or 3 (node 1 is the controller, which must stay up)
        part = next(p for p in range(PARTS) if c.partition("fsrep2", p)["leader"] in (2, 3))
        leader = c.partition("fsrep2", part)["leader"]
        values = [f"r{i}".encode() for i in range(50)]
        assert _produce_one_by_one(c.bootstrap, "fsrep2", part, values) == [None] * 50
        # kill the leader: what acks=all acknowledged must be readable from the new leader
        c.kill(leader)
        assert c.wait(lambda: c.partition("fsrep2", part)["leader"] not in (leader, -1), 20)
        alive = ",".join(n.bootstrap for i, n in c.nodes.items() if i != leader)
        assert consume(alive, "fsrep2", 50, partition=part) == values
    finally:
        c.stop_all()
