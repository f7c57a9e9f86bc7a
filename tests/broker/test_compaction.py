"""Log compaction with a real broker process and real clients: the cleaner keeps the last value
per key (offsets unchanged, batches rewritten readable by librdkafka and kafka-python, also after
a restart), removes tombstones after delete.retention.ms, leaves records newer than
min.compaction.lag.ms alone, does not apply time retention to compact-only topics, refuses
records without a key, and compacts `__consumer_offsets`."""

from __future__ import annotations

import time
import uuid

import pytest
from brokerproc import start_broker
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from support import read_to_end, read_to_eof

CLEANER = [
    "log.cleaner.backoff.ms=200",
    "log.retention.check.interval.ms=200",
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=1",
    "offsets.topic.segment.bytes=2000",
    "group.initial.rebalance.delay.ms=0",
]


@pytest.fixture(scope="module")
def cbroker(tmp_path_factory):
    bp = start_broker(tmp_path_factory.mktemp("compact"), CLEANER)
    assert bp.proc.poll() is None, bp.output()
    yield bp
    assert bp.stop() == 0, bp.output()


def _topic(bs: str, **configs: str) -> str:
    name = f"cmp_{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bs})
    admin.create_topics([NewTopic(name, 1, 1, config=configs)])[name].result(15)
    return name


def _produce(bs: str, topic: str, records: list[tuple[bytes | None, bytes | None]], **conf) -> None:
    p = Producer({"bootstrap.servers": bs, "linger.ms": 5, **conf})
    errors = []
    for k, v in records:
        p.produce(topic, key=k, value=v, on_delivery=lambda err, msg: err and errors.append(err))
    assert p.flush(20) == 0
    assert not errors, errors


def _read(bs: str, topic: str) -> list[tuple[int, bytes | None, bytes | None]]:
    return [(m.offset(), m.key(), m.value()) for m in read_to_eof(bs, topic)]


def _cleaned(bp, topic: str, times: int = 1, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while bp.output().count(f"cleaned log {topic}-0 ") < times:
        assert time.monotonic() < deadline, (
            f"the cleaner did not clean {topic}-0 {times} time(s):\n{bp.output()[-3000:]}"
        )
        time.sleep(0.2)


def test_compaction_keeps_the_last_value_per_key(cbroker):
    bs = cbroker.bootstrap
    topic = _topic(
        bs, **{"cleanup.policy": "compact", "segment.bytes": "1000", "min.cleanable.dirty.ratio": "0.01"}
    )
    records = [(f"k{i % 5}".encode(), f"v{i}".encode()) for i in range(60)]
    for start in range(0, 60, 10):  # several batches of 10, lz4: rewritten batches are re-encoded
        _produce(bs, topic, records[start : start + 10], **{"compression.type": "lz4"})
    _cleaned(cbroker, topic)
    got = _read(bs, topic)
    latest = {k: (i, v) for i, (k, v) in enumerate(records)}
    # every key's last value is there at its original offset; superseded values in cleaned
    # segments are gone (the active segment is never cleaned, so its records may remain)
    for k, (off, v) in latest.items():
        assert (off, k, v) in got
    assert len(got) < len(records), got
    offsets = [o for o, _, _ in got]
    assert offsets == sorted(offsets)
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTP

    kc = KafkaConsumer(bootstrap_servers=bs, enable_auto_commit=False)
    kc.assign([KTP(topic, 0)])
    kc.seek_to_beginning()
    read = read_to_end(kc, KTP(topic, 0))
    assert [(m.offset, m.key, m.value) for m in read] == got  # kafka-python reads the rewritten batches too
    kc.close()


def test_tombstones_go_after_delete_retention(cbroker):
    bs = cbroker.bootstrap
    topic = _topic(
        bs,
        **{
            "cleanup.policy": "compact",
            "segment.ms": "200",
            "min.cleanable.dirty.ratio": "0.01",
            "delete.retention.ms": "3000",
        },
    )
    _produce(bs, topic, [(b"a", b"1"), (b"b", b"1"), (b"a", None)])
    time.sleep(0.4)
    _produce(bs, topic, [(b"c", b"roll")])  # rolls: the first segment becomes cleanable
    _cleaned(cbroker, topic)
    got = _read(bs, topic)
    assert (2, b"a", None) in got and (1, b"b", b"1") in got  # the tombstone is kept for now
    assert all(o != 0 for o, _, _ in got)  # a's old value is gone
    _cleaned(cbroker, topic, 2, timeout=15)  # once delete.retention.ms passed, a second pass
    got = _read(bs, topic)
    assert (2, b"a", None) not in got
    assert (1, b"b", b"1") in got


def test_min_compaction_lag_keeps_recent_records(cbroker):
    bs = cbroker.bootstrap
    topic = _topic(
        bs,
        **{
            "cleanup.policy": "compact",
            "segment.ms": "200",
            "min.cleanable.dirty.ratio": "0.01",
            "min.compaction.lag.ms": "3600000",
        },
    )
    _produce(bs, topic, [(b"a", b"1"), (b"a", b"2")])
    time.sleep(0.4)
    _produce(bs, topic, [(b"b", b"roll")])
    time.sleep(1.5)  # several cleaner rounds
    assert f"cleaned log {topic}-0 " not in cbroker.output()
    assert [o for o, _, _ in _read(bs, topic)] == [0, 1, 2]


def test_compact_only_topics_have_no_time_retention(cbroker):
    bs = cbroker.bootstrap
    kept = _topic(bs, **{"cleanup.policy": "compact", "segment.ms": "200", "retention.ms": "100"})
    both = _topic(bs, **{"cleanup.policy": "compact,delete", "segment.ms": "200", "retention.ms": "100"})
    for t in (kept, both):
        _produce(bs, t, [(b"x", b"1")])
    time.sleep(0.4)
    for t in (kept, both):
        _produce(bs, t, [(b"y", b"2")])
    time.sleep(1.5)
    c = Consumer({"bootstrap.servers": bs, "group.id": "wm"})
    try:
        assert c.get_watermark_offsets(TopicPartition(kept, 0), timeout=10) == (0, 2)
        # compact,delete: retention.ms applies too, the first segment is gone
        assert c.get_watermark_offsets(TopicPartition(both, 0), timeout=10) == (1, 2)
    finally:
        c.close()


def test_keyless_records_are_refused_on_a_compacted_topic(cbroker):
    bs = cbroker.bootstrap
    topic = _topic(bs, **{"cleanup.policy": "compact"})
    p = Producer({"bootstrap.servers": bs, "message.send.max.retries": 0})
    errors = []
    p.produce(topic, value=b"nokey", on_delivery=lambda err, msg: errors.append(err))
    p.flush(15)
    assert len(errors) == 1 and errors[0] is not None
    assert errors[0].code() == KafkaError.INVALID_RECORD, errors[0]


def test_consumer_offsets_is_compacted(tmp_path):
    bp = start_broker(tmp_path, CLEANER + ["log.cleaner.backoff.ms=300"])
    try:
        bs = bp.bootstrap
        topic = _topic(bs)
        _produce(bs, topic, [(None, b"x")] * 5)
        c = Consumer({"bootstrap.servers": bs, "group.id": "cmp_group", "enable.auto.commit": False})
        for i in range(200):  # ~100 bytes each: several 2000-byte segments of __consumer_offsets
            c.commit(offsets=[TopicPartition(topic, 0, i)], asynchronous=False)
        c.close()
        _cleaned(bp, "__consumer_offsets", timeout=30)

        def size() -> int:
            logs = (tmp_path / "kafka-logs" / "__consumer_offsets-0").glob("*.log")
            return sum(p.stat().st_size for p in logs)

        # 200 commits take ~20 kB uncompacted; a pass may have run midway (under load), the next
        # one comes when enough is dirty again (log.cleaner.min.cleanable.ratio)
        deadline = time.monotonic() + 30
        while size() >= 200 * 60 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        assert bp.stop() == 0, bp.output()
    assert size() < 200 * 60, size()
    bp = start_broker(tmp_path, CLEANER)
    try:
        c = Consumer({"bootstrap.servers": bp.bootstrap, "group.id": "cmp_group"})
        assert c.committed([TopicPartition(topic, 0)], timeout=15)[0].offset == 199  # replayed after restart
        c.close()
    finally:
        assert bp.stop() == 0, bp.output()
