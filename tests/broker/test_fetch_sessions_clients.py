"""Real consumers over many partitions against a broker with fetch sessions (KIP-227): every
record arrives exactly once, also those written while the consumer is in a session. kafka-python's
fetcher keeps a FetchSessionHandler per broker: after consuming, its session must be one we handed
out and its epoch must have counted up (any session error resets it to a full fetch, epoch 0).
What incremental requests and answers carry on the wire is checked in
test_fetch_sessions_cluster.py (a capture) and test_fetch_sessions.py (raw requests)."""

from __future__ import annotations

import time

import pytest
from brokerproc import start_broker

pytestmark = [pytest.mark.clients]

PARTS = 120


@pytest.fixture
def sbroker(tmp_path):
    bp = start_broker(tmp_path)
    assert bp.proc.poll() is None, bp.output()
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{bp.port}"})
    admin.create_topics([NewTopic("fsmany", PARTS, 1)])["fsmany"].result(20)
    yield bp
    assert bp.stop() == 0, bp.output()


def _write(bs: str, per_partition: int, start: int, parts=range(PARTS)) -> set[bytes]:
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bs, "linger.ms": 5})
    sent = set()
    for part in parts:
        for i in range(start, start + per_partition):
            v = f"{part}:{i}".encode()
            p.produce("fsmany", v, partition=part)
            sent.add(v)
    assert p.flush(30) == 0
    return sent


def test_confluent_kafka_consumer_over_many_partitions(sbroker):
    from confluent_kafka import Consumer, TopicPartition

    bs = f"127.0.0.1:{sbroker.port}"
    sent = _write(bs, 3, 0)
    got: list[bytes] = []
    c = Consumer({"bootstrap.servers": bs, "group.id": "fsck", "enable.auto.commit": False})
    c.assign([TopicPartition("fsmany", p, 0) for p in range(PARTS)])
    deadline = time.monotonic() + 30
    while len(got) < len(sent) and time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is not None and not m.error():
            got.append(m.value())
    sent |= _write(bs, 2, 3, range(0, PARTS, 10))  # new data while the consumer fetches
    while len(got) < len(sent) and time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is not None and not m.error():
            got.append(m.value())
    c.close()
    assert len(got) == len(sent) and set(got) == sent  # every record once


def test_kafka_python_consumer_stays_in_its_session(sbroker):
    from kafka import KafkaConsumer, TopicPartition

    bs = f"127.0.0.1:{sbroker.port}"
    sent = _write(bs, 3, 0)
    got: list[bytes] = []
    c = KafkaConsumer(bootstrap_servers=bs, enable_auto_commit=False, fetch_max_wait_ms=100)
    c.assign([TopicPartition("fsmany", p) for p in range(PARTS)])
    c.seek_to_beginning()
    deadline = time.monotonic() + 30
    while len(got) < len(sent) and time.monotonic() < deadline:
        for recs in c.poll(200).values():
            got += [m.value for m in recs]
    sent |= _write(bs, 2, 3, range(0, PARTS, 10))
    while len(got) < len(sent) and time.monotonic() < deadline:
        for recs in c.poll(200).values():
            got += [m.value for m in recs]
    for _ in range(5):  # a few idle rounds: incremental fetches with nothing new
        c.poll(200)
    sessions = {n: h.next_metadata for n, h in c._fetcher._session_handlers.items()}
    c.close()
    assert len(got) == len(sent) and set(got) == sent
    assert list(sessions) == [1]
    meta = sessions[1]
    assert meta.session_id != 0  # we handed out a session and it is still the one in use
    assert meta.epoch >= 5  # ... through at least four incremental fetches without an error
    print(f"kafka-python: session {meta.session_id}, next epoch {meta.epoch}")
