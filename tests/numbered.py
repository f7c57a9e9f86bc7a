"""Numbered records through a failure: an idempotent acks=all producer of 0, 1, 2, ... and the
read-back that shows every acknowledged record exactly once, in offset order.

Used in-process by tests/broker/test_quorum_durability.py and inside lab nodes by
tests/topologies/quorum_writer.py (the same producer settings and the same counting)."""

from __future__ import annotations

import time

PRODUCER = {
    "acks": "all",
    "enable.idempotence": True,
    "message.timeout.ms": 60000,  # through elections: a record is acked or failed, never dropped
    "linger.ms": 5,
    "topic.metadata.refresh.interval.ms": 500,
}


class NumberedWriter:
    def __init__(self, bootstrap: str, topic: str, **settings) -> None:
        from confluent_kafka import Producer

        self.topic = topic
        self.acked: list[tuple[int, int]] = []  # (offset, value)
        self.failed: list[str] = []
        self.produced = 0
        self.producer = Producer({"bootstrap.servers": bootstrap, **PRODUCER, **settings})

    def _report(self, err, msg) -> None:
        if err:
            self.failed.append(str(err))
        else:
            self.acked.append((msg.offset(), int(msg.value())))

    def write_one(self, poll_s: float = 0.002) -> None:
        self.producer.produce(self.topic, str(self.produced).encode(), partition=0, on_delivery=self._report)
        self.produced += 1
        self.producer.poll(poll_s)

    def write_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.write_one()

    def flush(self, timeout: float = 60) -> int:
        """Records still unacknowledged after `timeout`."""
        return self.producer.flush(timeout)


def read_numbered(
    bootstrap: str, topic: str, count: int, timeout: float = 20, group: str = "numbered"
) -> list[int]:
    """Partition 0 from its start until `count` values are read (at most `timeout`), then one more
    second: anything beyond `count` would be a duplicate."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    got: list[int] = []
    try:
        for until, enough in ((time.monotonic() + timeout, count), (None, None)):
            end = until if until is not None else time.monotonic() + 1
            while time.monotonic() < end and (enough is None or len(got) < enough):
                m = c.poll(0.5 if enough is not None else 0.2)
                if m is not None and not m.error():
                    got.append(int(m.value()))
    finally:
        c.close()
    return got


def exactly_once_problems(acked: list[tuple[int, int]], got: list[int]) -> tuple[int, int, bool]:
    """(lost, duplicates, in offset order): what a broker failure must leave at (0, 0, True)."""
    values = {v for _, v in acked}
    lost, dups = len(values - set(got)), len(got) - len(set(got))
    in_order = [v for v in got if v in values] == [v for _, v in sorted(acked)]
    return lost, dups, in_order
