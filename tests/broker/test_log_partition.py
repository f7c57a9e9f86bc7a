"""PartitionLog: offsets, reads, rolling, indexes, timestamps, retention, truncation."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from kafka.record.default_records import DefaultRecordBatch
from kafka.record.memory_records import MemoryRecords

from broker.log import LogConfig, OffsetOutOfRangeError, PartitionLog, RecordTooLargeError
from broker.log.batch import BatchHeader, CorruptRecordError, InvalidRecordError
from broker.log.builder import build_batch

T0 = 1_700_000_000_000


class Clock:
    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def batch(n: int = 1, *, size: int = 10, ts: int = T0, step: int = 0) -> bytes:
    return build_batch([(None, b"v" * size, ts + i * step) for i in range(n)])


def open_log(tmp_path: Path, clock: Clock | None = None, **cfg) -> PartitionLog:
    return PartitionLog(tmp_path / "t-0", "t", 0, uuid.uuid4(), LogConfig(**cfg), clock=clock or Clock())


def client_read_all(data) -> list[tuple[int, bytes]]:
    """Decode like a client does (kafka-python, CRC checked)."""
    out = []
    recs = MemoryRecords(bytes(data))
    while recs.has_next():
        b = recs.next_batch()
        assert b.validate_crc()
        out += [(r.offset, r.value) for r in b]
    return out


def test_append_assigns_offsets_and_stores_batches_byte_for_byte(tmp_path):
    log = open_log(tmp_path)
    raw = batch(3)
    a = log.append(raw)
    b = log.append(batch(2) + batch(4), leader_epoch=5)
    assert (a.base_offset, a.last_offset, b.base_offset, b.last_offset) == (0, 2, 3, 8)
    assert (b.records_count, b.batch_count, log.log_end_offset) == (6, 2, 9)
    data = bytes(log.read(0, 1 << 20))
    assert data[: len(raw)][12:16] == (0).to_bytes(4, "big")  # leader epoch written
    assert data[16 : len(raw)] == raw[16:]  # everything from magic on is what the producer sent
    assert [o for o, _ in client_read_all(data)] == list(range(9))
    hdrs = list(log.iter_batch_headers())
    assert [(h.base_offset, h.partition_leader_epoch) for h in hdrs] == [(0, 0), (3, 5), (5, 5)]
    assert log.leader_epochs == [(0, 0), (5, 3)]
    assert [h.base_offset for h in log.iter_batch_headers(4)] == [3, 5]
    assert [h.base_offset for h in log.iter_batch_headers(5)] == [5]
    assert (log.dir / "leader-epoch-checkpoint").read_text() == "0\n2\n0 0\n5 3\n"
    log.close()
    (log.dir / "leader-epoch-checkpoint").unlink()
    again = PartitionLog(log.dir, "t", 0, log.topic_id, LogConfig())
    assert (
        again.leader_epochs == [(0, 0), (5, 3)]
        and "rebuilt leader-epoch-checkpoint" in again.recovery_notes[0]
    )
    again.close()


def test_append_is_all_or_nothing(tmp_path):
    log = open_log(tmp_path)
    log.append(batch())
    bad = bytearray(batch(2))
    bad[-1] ^= 0xFF
    with pytest.raises(
        CorruptRecordError, match=r"Record is corrupt \(stored crc = \d+, computed crc = \d+\)"
    ):
        log.append(batch(3) + bytes(bad))
    with pytest.raises(InvalidRecordError, match="should be 0, but it is 7"):
        log.append(build_batch([(None, b"x")], base_offset=7))
    assert log.log_end_offset == 1 and log.active_segment.size == len(batch())
    with pytest.raises(RecordTooLargeError, match="exceeds the maximum configured value of 100"):
        open_log(tmp_path / "x", max_message_bytes=100).append(batch(size=200))
    with pytest.raises(RecordTooLargeError, match="exceeds the maximum configured segment size of 300"):
        open_log(tmp_path / "y", segment_bytes=300).append(batch(3) + batch(3) + batch(3))
    control = bytearray(build_batch([(b"\x00\x00\x00\x01", b"\x00\x00\x00\x00\x00\x00")], attributes=0x30))
    with pytest.raises(InvalidRecordError, match="control records"):
        log.append(_fix_crc(control))
    assert log.log_end_offset == 1


def _fix_crc(buf: bytearray) -> bytes:
    from broker.log.batch import batch_crc

    buf[17:21] = batch_crc(buf, 0, len(buf)).to_bytes(4, "big")
    return bytes(buf)


def test_read_semantics(tmp_path):
    log = open_log(tmp_path)
    for _ in range(10):
        log.append(batch(5, size=100))  # offsets 0..49, batches of 5
    one = len(batch(5, size=100))
    # offset inside a batch: the whole containing batch comes back (client skips lower offsets)
    data = log.read(7, 1 << 20)
    assert BatchHeader.parse(data).base_offset == 5 and len(data) == 9 * one
    # max_bytes cuts at whole batches
    assert len(log.read(0, 2 * one + 10)) == 2 * one
    # min_one: at least one batch even if max_bytes is smaller
    assert len(log.read(0, 10)) == one
    assert len(log.read(0, 10, min_one=False)) == 0
    # max_offset (high watermark): stops before batches starting at or after it
    assert len(log.read(0, 1 << 20, max_offset=12)) == 3 * one
    assert len(log.read(12, 1 << 20, max_offset=12)) == 0
    assert log.read(50, 1 << 20) == b""
    with pytest.raises(
        OffsetOutOfRangeError, match=r"offset 51 for partition t-0, but we only have log segments upto 50\.$"
    ):
        log.read(51, 100)


def test_roll_by_size_names_segments_by_base_offset(tmp_path):
    one = len(batch(2, size=100))
    log = open_log(tmp_path, segment_bytes=3 * one)
    for _ in range(10):
        log.append(batch(2, size=100))
    assert [s.base_offset for s in log.segments] == [0, 6, 12, 18]
    names = sorted(p.name for p in log.dir.glob("*.log"))
    assert names == [f"{b:020d}.log" for b in (0, 6, 12, 18)]
    assert all(s.size <= 3 * one for s in log.segments)
    assert [h.base_offset for h in log.iter_batch_headers(7)] == list(range(6, 20, 2))
    for off in range(20):  # every offset readable across segment boundaries
        got = client_read_all(log.read(off, one))
        assert got[0][0] <= off <= got[-1][0]


def test_roll_by_time(tmp_path):
    clock = Clock()
    log = open_log(tmp_path, clock, roll_ms=1000)
    log.append(batch(ts=T0))
    log.append(batch(ts=T0 + 1000))  # exactly roll_ms: not yet
    assert len(log.segments) == 1
    log.append(batch(ts=T0 + 1001))
    assert [s.base_offset for s in log.segments] == [0, 2]


def test_full_index_rolls(tmp_path):
    log = open_log(tmp_path, index_interval_bytes=0, segment_index_bytes=8 * 3)
    for _ in range(10):
        log.append(batch())
    # every batch but a segment's first is indexed; three entries fill the index
    assert [s.base_offset for s in log.segments] == [0, 4, 8]


def test_offset_index_is_sparse_and_points_at_batches(tmp_path):
    log = open_log(tmp_path, index_interval_bytes=4096)
    one = len(batch(4, size=250))
    for _ in range(200):
        log.append(batch(4, size=250))
    seg = log.active_segment
    entries = seg.index.entries()
    total = 200 * one
    assert total // (4096 + one) - 1 <= len(entries) <= total // 4096
    log.flush()  # index entries are written in ~4 KiB groups; flush writes the rest
    raw = (log.dir / "00000000000000000000.index").read_bytes()
    assert len(raw) == 8 * len(entries)
    fd = os.open(seg.log_path, os.O_RDONLY)
    try:
        for off, pos in entries:  # Kafka's invariant: an entry names the last offset of the batch at pos
            assert BatchHeader.parse(os.pread(fd, 61, pos)).last_offset == off
    finally:
        os.close(fd)
    for off in (0, 1, 3, 4, 401, 799):
        got = client_read_all(log.read(off, 1))
        assert got[0][0] <= off <= got[-1][0]


def test_offset_for_timestamp(tmp_path):
    log = open_log(tmp_path, index_interval_bytes=0)  # index every batch
    for i in range(20):
        log.append(batch(5, ts=T0 + 100 * i, step=10))  # record j of batch i: T0+100i+10j
    assert log.offset_for_timestamp(0) == (0, T0)
    assert log.offset_for_timestamp(T0 + 100 * 7 + 25) == (7 * 5 + 3, T0 + 730)
    assert log.offset_for_timestamp(T0 + 100 * 7 + 30) == (7 * 5 + 3, T0 + 730)
    assert log.offset_for_timestamp(T0 + 1940) == (99, T0 + 1940)
    assert log.offset_for_timestamp(T0 + 1941) is None
    assert len(log.active_segment.time_index.entries()) == 19


def test_log_append_time_is_stamped_and_crc_recomputed(tmp_path):
    clock = Clock(T0 + 5000)
    log = open_log(tmp_path, clock, message_timestamp_type="LogAppendTime")
    info = log.append(batch(3, ts=T0))
    assert info.log_append_time == T0 + 5000 and info.max_timestamp == T0 + 5000
    data = bytes(log.read(0, 1 << 20))
    kb = DefaultRecordBatch(data)
    assert kb.validate_crc() and kb.timestamp_type == 1
    assert [r.timestamp for r in kb] == [T0 + 5000] * 3
    assert log.offset_for_timestamp(T0 + 1) == (0, T0 + 5000)


def test_retention_by_size_and_time_keeps_the_active_segment(tmp_path):
    clock = Clock()
    one = len(batch(2, size=100))
    log = open_log(tmp_path, clock, segment_bytes=2 * one, retention_bytes=5 * one, retention_ms=10_000)
    for i in range(10):
        log.append(batch(2, size=100, ts=T0 + i * 1000))
    assert len(log.segments) == 5
    assert log.enforce_retention(T0) == 0  # nothing past the high watermark is ever deleted
    log.high_watermark = log.log_end_offset  # what the broker does after each append
    assert log.enforce_retention(T0) == 2  # size: 10 batches stored, 5 allowed → 2 whole segments go
    assert (log.log_start_offset, log.size_in_bytes) == (8, 6 * one)
    with pytest.raises(OffsetOutOfRangeError, match="but we only have log segments in the range 8 to 20"):
        log.read(7, 100)
    assert client_read_all(log.read(8, 1 << 20))[0][0] == 8
    assert not (log.dir / "00000000000000000000.log").exists()
    # time: the segment holding timestamps up to T0+5000 expires 10 s later
    assert log.enforce_retention(T0 + 15_000) == 0
    assert log.enforce_retention(T0 + 15_001) == 1
    assert log.log_start_offset == 12
    # everything expired: still never the active segment
    assert log.enforce_retention(T0 + 10**9) == 1
    assert [s.base_offset for s in log.segments] == [16] and log.log_end_offset == 20


def test_truncate_to_and_delete_records(tmp_path):
    one = len(batch(2))
    log = open_log(tmp_path, segment_bytes=2 * one, index_interval_bytes=0)
    for _ in range(6):
        log.append(batch(2))
    log.truncate_to(7)  # batch 6..7 straddles: removed entirely
    assert log.log_end_offset == 6
    assert [s.base_offset for s in log.segments] == [0, 4]
    assert log.append(batch()).base_offset == 6
    assert [o for o, _ in client_read_all(log.read(0, 1 << 20))] == [0, 1, 2, 3]
    assert log.delete_records_before(5) == 5
    assert [s.base_offset for s in log.segments] == [4]
    with pytest.raises(OffsetOutOfRangeError):
        log.read(4, 100)
    assert client_read_all(log.read(5, 1 << 20))[0][0] == 4  # batch 4..5 served, client skips 4
    log.truncate_to(0)
    assert (log.log_start_offset, log.log_end_offset) == (0, 0)


def test_append_as_follower_keeps_offsets(tmp_path):
    log = open_log(tmp_path)
    blob = build_batch([(None, b"a")], base_offset=0, partition_leader_epoch=3) + build_batch(
        [(None, b"b"), (None, b"c")], base_offset=1, partition_leader_epoch=3
    )
    info = log.append_as_follower(blob)
    assert (info.base_offset, info.last_offset, log.log_end_offset) == (0, 2, 3)
    with pytest.raises(InvalidRecordError, match="Out of order"):
        log.append_as_follower(build_batch([(None, b"x")], base_offset=1))
    assert bytes(log.read(0, 1 << 20)) == blob


def test_flush_messages_moves_the_recovery_point(tmp_path):
    log = open_log(tmp_path, flush_messages=3)
    log.append(batch(2))
    assert log.recovery_point == 0
    log.append(batch(1))
    assert log.recovery_point == 3


def test_flush_ms_flushes_from_the_timer_too(tmp_path):
    clock = Clock()
    log = open_log(tmp_path, clock, flush_ms=1000)
    log.append(batch(2))
    assert log.recovery_point == 0 and not log.maybe_flush()
    clock.now += 1000
    assert log.maybe_flush() and log.recovery_point == 2
    assert not log.maybe_flush(clock.now + 5000)  # nothing new to flush


def test_bad_config_is_refused_with_kafka_names():
    with pytest.raises(ValueError, match="segment.bytes"):
        LogConfig(segment_bytes=1)
    with pytest.raises(ValueError, match="Unknown topic config 'retention.mss'"):
        LogConfig().with_overrides({"retention.mss": 1})
    assert LogConfig().with_overrides({"retention.ms": "5"}).retention_ms == 5


def test_time_retention_without_timestamps_uses_file_mtime(tmp_path):
    log = open_log(tmp_path, retention_ms=60_000)
    log.append(build_batch([(None, b"no time", -1)]))
    log.roll()
    log.append(build_batch([(None, b"no time", -1)]))
    log.high_watermark = log.log_end_offset
    mtime = int(os.stat(log.segments[0].log_path).st_mtime * 1000)
    assert log.enforce_retention(mtime + 60_000) == 0
    assert log.enforce_retention(mtime + 60_001) == 1
    assert log.log_start_offset == 1
