"""The cleaner (broker/log/cleaner.py) on real logs, as Kafka's LogCleaner: aborted transactions
go (their batches in the first pass, their markers in a later one, once older than
delete.retention.ms), committed transactional records are compacted like any others, each
producer's last batch stays for its state, and the key map is bounded (log.cleaner.dedupe.buffer.size):
a full map cleans in several passes to the same result. Batches are built by kafka-python; a
broker with a real transactional producer (confluent-kafka) at the end."""

from __future__ import annotations

import time
import uuid

import pytest
from brokerproc import start_broker
from kafka.record.default_records import DefaultRecordBatchBuilder

from broker.log import LogConfig, PartitionLog
from broker.log.batch import iter_batches
from broker.log.cleaner import CleanerSettings, clean, map_entries
from broker.log.records import iter_records
from broker.txn.control import marker_batch
from broker.txn.registry import rebuild

NOW = int(time.time() * 1000)


def _batch(
    records: list[tuple[bytes, bytes | None]], pid: int = -1, txn: bool = False, seq: int = -1
) -> bytes:
    b = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=0,
        is_transactional=txn,
        producer_id=pid,
        producer_epoch=0 if pid >= 0 else -1,
        base_sequence=seq,
        batch_size=1 << 20,
    )
    for i, (k, v) in enumerate(records):
        b.append(i, timestamp=NOW - 60_000, key=k, value=v, headers=[])
    return bytes(b.build())


def _log(tmp_path) -> PartitionLog:
    return PartitionLog(tmp_path / "t-0", "t", 0, uuid.uuid4(), LogConfig())


def _contents(plog) -> list[tuple[int, bytes | None, bytes | None, bool]]:
    """(offset, key, value, is_control) of every record; empty batches show as nothing."""
    out = []
    for seg in plog.segments:
        if seg.size == 0:  # a segment cleaned empty stays as an empty file
            continue
        for h, raw in iter_batches(seg.read_at(0, seg.size), verify_crc=True):
            out += [(r.offset, r.key, r.value, h.is_control) for r in iter_records(raw, h)]
    return out


def _pass(plog, first_dirty: int, settings: CleanerSettings, now: int = NOW):
    plog.high_watermark = plog.log_end_offset
    txns = rebuild(plog)
    end = plog.active_segment.base_offset
    return clean(plog, settings, first_dirty, end, now, txns.aborted_between(plog.log_start_offset, end))


def test_aborted_transaction_goes_then_its_marker(tmp_path):
    plog = _log(tmp_path)
    plog.append(_batch([(b"k", b"v1")]))  # 0
    plog.append(_batch([(b"k", b"aborted"), (b"x", b"aborted")], pid=7, txn=True, seq=0))  # 1-2
    plog.append(marker_batch(7, 0, commit=False, coordinator_epoch=0), control=True)  # 3
    plog.append(_batch([(b"y", b"committed")], pid=8, txn=True, seq=0))  # 4
    plog.append(marker_batch(8, 0, commit=True, coordinator_epoch=0), control=True)  # 5
    plog.append(_batch([(b"z", b"tail")], pid=9, seq=0))  # 6: producer 9's last batch
    plog.roll()
    plog.append(_batch([(b"y", b"newer")]))  # 7, in the active segment: not cleaned
    plog.append(_batch([(b"w", b"later")], pid=7, seq=2))  # 8: producer 7's last batch now
    keep = CleanerSettings(delete_retention_ms=86_400_000)

    stats = _pass(plog, 0, keep)
    assert stats.aborted_batches_removed == 1
    got = _contents(plog)
    assert (1, b"k", b"aborted", False) not in got and (2, b"x", b"aborted", False) not in got
    assert (0, b"k", b"v1", False) in got  # the aborted value never superseded it
    assert [o for o, *_, ctl in got if ctl] == [3, 5]  # markers stay this pass
    # a later pass, markers older than delete.retention.ms: the ABORT marker goes (none of its
    # batches left); the COMMIT marker stays while its transaction's batch is there (producer
    # 8's last data batch, kept for its sequence)
    stats = _pass(
        plog,
        plog.active_segment.base_offset,
        CleanerSettings(delete_retention_ms=0),
        int(time.time() * 1000) + 10_000,
    )
    got = _contents(plog)
    assert [o for o, *_, ctl in got if ctl] == [5], got
    assert stats.markers_removed == 1
    assert (4, b"y", b"committed", False) in got and (6, b"z", b"tail", False) in got


def test_an_active_producers_last_batch_stays_emptied(tmp_path):
    """Kafka's RETAIN_EMPTY: the aborted batch that is its producer's last data batch loses its
    records but stays (its sequence); so its ABORT marker stays too."""
    plog = _log(tmp_path)
    plog.append(_batch([(b"k", b"aborted")], pid=7, txn=True, seq=0))  # 0
    plog.append(marker_batch(7, 0, commit=False, coordinator_epoch=0), control=True)  # 1
    plog.roll()
    plog.append(_batch([(b"k", b"v")]))
    _pass(plog, 0, CleanerSettings(delete_retention_ms=0), int(time.time() * 1000) + 10_000)
    assert [(o, ctl) for o, _, _, ctl in _contents(plog)] == [(1, True), (2, False)]
    headers = list(plog.iter_batch_headers(0))
    assert (headers[0].base_offset, headers[0].producer_id, headers[0].base_sequence) == (0, 7, 0)
    assert headers[0].records_count == 0


def test_committed_transactional_records_are_compacted(tmp_path):
    plog = _log(tmp_path)
    plog.append(_batch([(b"a", b"old")]))  # 0
    plog.append(_batch([(b"a", b"txn"), (b"b", b"txn")], pid=3, txn=True, seq=0))  # 1-2
    plog.append(marker_batch(3, 0, commit=True, coordinator_epoch=0), control=True)  # 3
    plog.append(_batch([(b"b", b"later")]))  # 4
    plog.append(_batch([(b"c", b"end")], pid=4, seq=0))  # 5
    plog.roll()
    _pass(plog, 0, CleanerSettings())
    values = [(k, v) for _, k, v, ctl in _contents(plog) if not ctl]
    # the committed txn's a=txn superseded a=old; its b=txn was superseded by b=later (the batch
    # stays, emptied of it, as it holds records still)
    assert values == [(b"a", b"txn"), (b"b", b"later"), (b"c", b"end")]


def test_full_key_map_cleans_in_passes(tmp_path):
    plog = _log(tmp_path)
    for round_ in (b"a", b"b"):
        for i in range(0, 30, 5):
            plog.append(_batch([(f"k{j}".encode(), round_) for j in range(i, i + 5)]))
    plog.roll()  # 60 records, 30 keys, twice
    small = CleanerSettings(max_map_entries=12)
    first_dirty, passes = 0, 0
    while first_dirty < plog.active_segment.base_offset:
        stats = _pass(plog, first_dirty, small)
        assert stats.end > first_dirty, "a pass must make progress"
        assert stats.map_full == (stats.end < plog.active_segment.base_offset)
        first_dirty, passes = stats.end, passes + 1
    assert passes >= 3
    values = sorted((k, v) for _, k, v, _ in _contents(plog))
    assert values == sorted((f"k{j}".encode(), b"b") for j in range(30))


def test_map_capacity_is_kafkas():
    # SkimpyOffsetMap: 24-byte slots, load factor 0.9: the 128 MiB default and the 1 MiB floor
    assert map_entries(134217728, 0.9, 1) == 5033164
    assert map_entries(1048577, 0.9, 1) == 39321


@pytest.mark.clients
@pytest.mark.slow
def test_broker_removes_aborted_records_and_cleans_a_big_dirty_section_in_passes(tmp_path):
    """A real transactional producer aborts; a read_uncommitted consumer no longer sees its
    records once the cleaner ran; 50,000 keys with a 1 MiB dedupe buffer (39,321 keys) are
    cleaned in passes to one value per key."""
    from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    settings = [
        "log.cleaner.backoff.ms=200",
        "log.cleaner.dedupe.buffer.size=1048577",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "transaction.state.log.num.partitions=1",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=1",
    ]
    # written with the cleaner off, so the first pass finds one dirty section of 100,000 records
    bp = start_broker(tmp_path, [*settings, "log.cleaner.enable=false"])
    try:
        admin = AdminClient({"bootstrap.servers": bp.bootstrap})
        cfg = {"cleanup.policy": "compact", "segment.bytes": "102400", "min.cleanable.dirty.ratio": "0.01"}
        for name in ("ctxn", "cbig"):
            admin.create_topics([NewTopic(name, 1, 1, config=cfg)])[name].result(15)

        p = Producer({"bootstrap.servers": bp.bootstrap, "transactional.id": "cleaner-txn"})
        p.init_transactions(15)
        for value, commit in ((b"kept", True), (b"gone", False)):
            p.begin_transaction()
            for i in range(200):
                p.produce("ctxn", key=f"t{i}".encode(), value=value * 100)
            p.flush(15)
            (p.commit_transaction if commit else p.abort_transaction)(15)
        # batches well under segment.bytes (a bigger one is refused: RECORD_LIST_TOO_LARGE)
        plain = Producer({"bootstrap.servers": bp.bootstrap, "linger.ms": 20, "batch.size": 16384})
        errors: list = []
        for value in (b"a", b"b"):
            for i in range(50_000):
                plain.produce(
                    "cbig",
                    key=f"key-{i:05d}".encode(),
                    value=value,
                    on_delivery=lambda e, m: e and errors.append(e),
                )
                if i % 10_000 == 0:
                    plain.poll(0)
        plain.flush(30)
        for topic in ("ctxn", "cbig"):  # a new active segment: everything before is cleanable
            plain.produce(topic, key=b"roll", value=b"x" * 90_000)
        assert plain.flush(30) == 0
        assert not errors, errors[:3]
        p.begin_transaction()  # the producer's last batch lands in the active segment
        p.produce("ctxn", key=b"last", value=b"1")
        p.commit_transaction(15)
        del p, plain, admin
    finally:
        assert bp.stop() == 0, bp.output()
    bp = start_broker(tmp_path, settings, port=bp.port, log_dir=bp.log_dir)
    try:

        def read_all(topic: str) -> list:
            c = Consumer(
                {
                    "bootstrap.servers": bp.bootstrap,
                    "group.id": f"r{uuid.uuid4().hex[:6]}",
                    "enable.partition.eof": True,
                    "isolation.level": "read_uncommitted",
                }
            )
            c.assign([TopicPartition(topic, 0, 0)])
            got = []
            try:
                while True:
                    m = c.poll(10)
                    assert m is not None, f"no end of {topic} in 10 s"
                    if m.error():
                        assert m.error().code() == KafkaError._PARTITION_EOF, m.error()
                        return got
                    got.append((m.key(), m.value()))
            finally:
                c.close()

        deadline = time.monotonic() + 120
        big = [r for r in read_all("cbig") if r[0] != b"roll"]
        while len(big) > 50_000 and time.monotonic() < deadline:  # the passes under way
            time.sleep(1)
            big = [r for r in read_all("cbig") if r[0] != b"roll"]
        out = bp.output()
        assert "Offset map for log cbig-0 is full" in out, out[-3000:]
        assert out.count("cleaned log cbig-0") >= 2, out[-3000:]
        assert len(big) == 50_000 and {v for _, v in big} == {b"b"}, (len(big), {v for _, v in big})
        assert "cleaned log ctxn-0" in out
        txn_values = {v for _, v in read_all("ctxn")}
        assert b"gone" * 100 not in txn_values and b"kept" * 100 in txn_values
    finally:
        assert bp.stop() == 0, bp.output()


def test_a_segment_emptied_by_one_pass_does_not_stop_the_next(tmp_path):
    plog = _log(tmp_path)
    plog.append(_batch([(b"k", b"old")]))
    plog.roll()
    plog.append(_batch([(b"k", b"new")]))
    plog.roll()
    _pass(plog, 0, CleanerSettings())
    assert plog.segments[0].size == 0  # emptied, kept as an empty file
    plog.append(_batch([(b"k", b"newer")]))
    plog.roll()
    stats = _pass(plog, 2, CleanerSettings())  # read to the empty segment and past it
    assert stats.segments >= 2
    assert [(k, v) for _, k, v, _ in _contents(plog)] == [(b"k", b"newer")]
