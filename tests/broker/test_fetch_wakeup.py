"""A consumer's long-polling Fetch is answered when the high watermark moves, not at its
max_wait (Kafka's ReplicaManager completes the delayed fetches watching a partition when its
high watermark advances). Three brokers, an RF=3 partition, acks=1 records: the leader's append
alone does not make a record visible to consumers; the followers' fetches advance the high
watermark a moment later, and that must wake the consumer's waiting Fetch. Before the fix the
consumer saw each record only when its Fetch ran out its fetch.wait.max.ms (here 8 s)."""

from __future__ import annotations

import statistics
import threading
import time

import pytest
from clusterproc import Cluster, kcat_list
from test_cluster import create_topic

pytestmark = [pytest.mark.clients, pytest.mark.slow]

FETCH_WAIT_MS = 8000
RECORDS = 5


def test_a_consumer_fetch_wakes_when_the_high_watermark_moves(tmp_path):
    from confluent_kafka import Consumer, Producer, TopicPartition

    c = Cluster(tmp_path)
    try:
        c.start_all()
        for i in (1, 2, 3):
            assert c.wait(lambda n=i: " 3 brokers:" in kcat_list(c.nodes[n].bootstrap), 20)
        create_topic(c.bootstrap, "wake", 1, 3)
        seen: dict[bytes, float] = {}
        stop = threading.Event()
        consumer = Consumer(
            {
                "bootstrap.servers": c.bootstrap,
                "group.id": "wake",
                "enable.auto.commit": False,
                "fetch.wait.max.ms": FETCH_WAIT_MS,
                "fetch.min.bytes": 1,
            }
        )
        consumer.assign([TopicPartition("wake", 0, 0)])

        def consume() -> None:
            while not stop.is_set():
                m = consumer.poll(0.1)
                if m is not None and not m.error():
                    seen.setdefault(m.value(), time.monotonic())

        reader = threading.Thread(target=consume)
        reader.start()
        producer = Producer({"bootstrap.servers": c.bootstrap, "acks": 1, "linger.ms": 0})
        sent: dict[bytes, float] = {}
        try:
            time.sleep(1.0)  # the consumer's first Fetch is waiting at the leader
            for i in range(RECORDS):
                value = f"w{i}".encode()
                acked = threading.Event()
                producer.produce("wake", value, partition=0, on_delivery=lambda err, msg, a=acked: a.set())
                producer.flush(10)
                assert acked.is_set()
                sent[value] = time.monotonic()
                deadline = time.monotonic() + FETCH_WAIT_MS / 1000 + 5
                while value not in seen and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert value in seen, f"{value!r} was never consumed"
                time.sleep(0.3)  # the next record finds the consumer's Fetch waiting again
        finally:
            stop.set()
            reader.join(10)
            consumer.close()
        delays = [seen[v] - sent[v] for v in sent]
        print(f"\nFETCH-WAKE acks=1 RF=3 delays_ms={[round(d * 1000) for d in delays]}")
        # woken by the high watermark: far below the fetch's own wait (which it used to run out)
        assert statistics.median(delays) < FETCH_WAIT_MS / 1000 / 4, delays
    finally:
        c.stop_all()
