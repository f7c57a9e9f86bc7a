"""A partition's log: an ordered list of segments in `<log.dir>/<topic>-<partition>/`.

Hot path (append): one copy of the producer's blob into a bytearray, a 61-byte header parse and a
CRC-32C per batch, BaseOffset/PartitionLeaderEpoch rewritten in place, one pwrite. Read: one or
two preads of whole stored batches. No per-record work anywhere except ListOffsets by timestamp.

Durability (see docs/storage.md): with flush_messages/flush_ms unset (Kafka's default) an
append returns once the bytes are in the page cache: they survive a SIGKILL of the broker, not a
power loss. Rolled segments are fsynced in the background and the recovery point moves forward,
so after an unclean shutdown only the tail since the recovery point is scanned.
"""

from __future__ import annotations

import os
import shutil
import struct
import threading
import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from broker.log import checkpoints as ckpt
from broker.log import dir_move
from broker.log.batch import (
    CRC_START,
    BatchHeader,
    CorruptRecordError,
    InvalidRecordError,
    RecordBatchTooLargeError,
    RecordTooLargeError,
    check_batch,
    crc32c,
    set_log_append_time,
)
from broker.log.config import TOPIC_CONFIG_KEYS, LogConfig, now_ms
from broker.log.index import IndexCorruptError
from broker.log.recovery import load_segments
from broker.log.segment import LogSegment

__all__ = [
    "TOPIC_CONFIG_KEYS",
    "AppendInfo",
    "LogClosedError",
    "LogConfig",
    "OffsetOutOfRangeError",
    "PartitionLog",
    "now_ms",
]

NO_TIMESTAMP = -1
MOVE_ROUNDS = 5  # unlocked copy rounds of a log dir move at most (dir_move.py)
MOVE_LOCKED_BYTES = 4 << 20  # a round that copied no more: the rest is copied under the lock
FUTURE_SUFFIX = "-future"  # Kafka's UnifiedLog.FutureDirSuffix: a log being moved between dirs
pack_offset = struct.Struct(">q").pack_into
pack_epoch = struct.Struct(">i").pack_into
_MAX_RELATIVE_OFFSET = (1 << 31) - 1


class OffsetOutOfRangeError(Exception):
    """Fetch/ListOffsets offset outside [log_start_offset, log_end_offset] (Kafka error 1)."""


class LogClosedError(RuntimeError):
    """The log was closed or deleted under the caller (map to UNKNOWN_TOPIC_OR_PARTITION)."""


@dataclass(slots=True)
class AppendInfo:
    base_offset: int
    last_offset: int
    max_timestamp: int
    offset_of_max_timestamp: int
    log_append_time: int = -1  # -1 unless the topic uses LogAppendTime
    records_count: int = 0
    batch_count: int = 0


class PartitionLog:
    topic: str
    partition: int
    dir: Path
    topic_id: uuid.UUID

    def __init__(
        self,
        directory: Path,
        topic: str,
        partition: int,
        topic_id: uuid.UUID,
        config: LogConfig,
        *,
        recovery_point: int = 0,
        log_start_offset: int = 0,
        high_watermark: int = 0,
        clean_shutdown: bool = True,
        clock: Callable[[], int] = now_ms,
        log: Callable[[str], None] | None = None,
    ) -> None:
        """Open (and recover) the log in `directory`, creating it if missing. Use
        LogManager.create/get rather than calling this directly."""
        self.dir = Path(directory)
        self.topic = topic
        self.partition = partition
        self.config = config
        self.clock = clock
        self._log = log or (lambda msg: None)
        self._lock = threading.RLock()
        self._moving = threading.Lock()  # AlterReplicaLogDirs: one move at a time (dir_move.py)
        self.truncations = 0  # how often the log was cut at its end (a move's copy starts over)
        self._segments: list[LogSegment] = []
        self._bases: list[int] = []
        self._unflushed_messages = 0
        self._last_flush_ms = clock()
        self._closed = False
        self.recovery_notes: list[str] = []  # what recovery did, for the broker's log and tests
        self.dir.mkdir(parents=True, exist_ok=True)
        stored_id = ckpt.read_partition_metadata(self.dir)
        if stored_id is not None and stored_id != topic_id:
            raise ValueError(
                f"{self.dir / ckpt.PARTITION_METADATA}: stores topic id {ckpt.kafka_uuid_str(stored_id)}, "
                f"but topic {topic} has id {ckpt.kafka_uuid_str(topic_id)}"
            )
        self.topic_id = topic_id
        if stored_id is None:
            ckpt.write_partition_metadata(self.dir, topic_id)
        epoch_file = self.dir / ckpt.LEADER_EPOCH_CHECKPOINT
        had_epochs = epoch_file.exists()
        self._leader_epochs = ckpt.read_leader_epochs(epoch_file)
        self._load_segments(recovery_point, clean_shutdown)
        if not had_epochs and self._segments[-1].next_offset > self._segments[0].base_offset:
            self._rebuild_leader_epochs()
        self.log_start_offset = max(log_start_offset, self._segments[0].base_offset)
        if self.log_start_offset > self.log_end_offset:
            self.log_start_offset = self._segments[0].base_offset
        self.recovery_point = min(max(recovery_point, self.log_start_offset), self.log_end_offset)
        # The broker owns the high watermark; we only persist it and keep it within the log.
        self.high_watermark = min(max(high_watermark, self.log_start_offset), self.log_end_offset)
        self._truncate_epochs_after(self.log_end_offset)

    # -- opening -------------------------------------------------------------------------

    def _load_segments(self, recovery_point: int, clean_shutdown: bool) -> None:
        self._segments = load_segments(
            self.dir, self.config.index_interval_bytes, recovery_point, clean_shutdown, self._note
        )
        self._bases = [seg.base_offset for seg in self._segments]

    def _rebuild_leader_epochs(self) -> None:
        """Kafka rebuilds the leader-epoch cache from batch headers when the file is missing."""
        epochs: list[tuple[int, int]] = []
        for seg in self._segments:
            for _, h in seg.walk_headers(0):
                if h.partition_leader_epoch >= 0 and (not epochs or h.partition_leader_epoch > epochs[-1][0]):
                    epochs.append((h.partition_leader_epoch, h.base_offset))
        self._leader_epochs = epochs
        ckpt.write_leader_epochs(self.dir / ckpt.LEADER_EPOCH_CHECKPOINT, epochs)
        self._note(f"rebuilt leader-epoch-checkpoint from the log: {epochs}")

    def _note(self, msg: str) -> None:
        self.recovery_notes.append(msg)
        self._log(f"[Log partition={self.topic}-{self.partition}, dir={self.dir.parent}] {msg}")

    # -- state ---------------------------------------------------------------------------

    @property
    def log_end_offset(self) -> int:
        """Offset the next appended record gets."""
        return self._segments[-1].next_offset

    @property
    def active_segment(self) -> LogSegment:
        return self._segments[-1]

    @property
    def segments(self) -> list[LogSegment]:
        return list(self._segments)

    @property
    def size_in_bytes(self) -> int:
        return sum(s.size for s in self._segments)

    @property
    def leader_epochs(self) -> list[tuple[int, int]]:
        return list(self._leader_epochs)

    # -- appending -----------------------------------------------------------------------

    def append(
        self, records: bytes | bytearray | memoryview, *, leader_epoch: int = 0, control: bool = False
    ) -> AppendInfo:
        """Validate a producer's blob, assign offsets, write it. All or nothing. `control`: the
        broker's own transaction markers (clients may not write control batches)."""
        buf = bytearray(records)
        batches = self._validate(buf, from_client=True, control_ok=control)
        if len(buf) > self.config.segment_bytes:
            raise RecordBatchTooLargeError(
                f"Message batch size is {len(buf)} bytes in append to partition "
                f"{self.topic}-{self.partition}, "
                f"which exceeds the maximum configured segment size of {self.config.segment_bytes}."
            )
        log_append = self.config.message_timestamp_type == "LogAppendTime"
        with self._lock:
            self._check_open()
            now = self.clock()
            offset = self.log_end_offset
            first = offset
            entries = []
            max_ts, offset_of_max = NO_TIMESTAMP, -1
            for pos, h in batches:
                pack_offset(buf, pos, offset)  # BaseOffset and PartitionLeaderEpoch: outside the CRC
                pack_epoch(buf, pos + 12, leader_epoch)
                ts = h.max_timestamp
                if log_append:
                    set_log_append_time(buf, pos, h.size, now)
                    ts = now
                last = offset + h.last_offset_delta
                entries.append((pos, last, ts, h.size))
                if ts > max_ts:
                    max_ts, offset_of_max = ts, last
                offset = last + 1
            self._write(buf, entries, first, offset - 1, max_ts, leader_epoch)
            count = offset - first
            if self._flush_policy:
                self._after_append(count, now)
            return AppendInfo(
                first, offset - 1, max_ts, offset_of_max, now if log_append else -1, count, len(batches)
            )

    def append_as_follower(self, records: bytes | bytearray | memoryview) -> AppendInfo:
        """Append batches that already carry offsets (replication): keep them as they are."""
        buf = bytes(records)
        batches = self._validate(buf, from_client=False)
        with self._lock:
            self._check_open()
            leo = self.log_end_offset
            if batches[0][1].base_offset < leo:
                raise InvalidRecordError(
                    f"Out of order offsets: first offset {batches[0][1].base_offset} is below the log end "
                    f"offset {leo}"
                )
            entries = []
            max_ts, offset_of_max, prev_next = NO_TIMESTAMP, -1, leo
            for pos, h in batches:
                if h.base_offset < prev_next:
                    raise InvalidRecordError(
                        f"Out of order offsets in the appended batches at offset {h.base_offset}"
                    )
                entries.append((pos, h.last_offset, h.max_timestamp, h.size))
                if h.max_timestamp > max_ts:
                    max_ts, offset_of_max = h.max_timestamp, h.last_offset
                prev_next = h.next_offset
            first = batches[0][1].base_offset
            self._write(buf, entries, first, prev_next - 1, max_ts, batches[-1][1].partition_leader_epoch)
            if self._flush_policy:
                self._after_append(prev_next - first, self.clock())
            return AppendInfo(
                first, prev_next - 1, max_ts, offset_of_max, -1, prev_next - first, len(batches)
            )

    def _validate(
        self, buf: bytes | bytearray, *, from_client: bool, control_ok: bool = False
    ) -> list[tuple[int, BatchHeader]]:
        """Kafka's UnifiedLog.analyzeAndValidateRecords order: structure, base offset 0 (from
        clients), size vs max.message.bytes, CRC, then count consistency."""
        out = []
        pos, end = 0, len(buf)
        if end == 0:
            raise CorruptRecordError("empty records: no batch to append")
        max_bytes = self.config.max_message_bytes
        where = f"{self.topic}-{self.partition}"
        while pos < end:
            h = check_batch(buf, pos, end, verify_crc=False)
            size = h.size
            if from_client and h.base_offset != 0:
                raise InvalidRecordError(
                    f"The baseOffset of the record batch in the append to {where} should be 0, but it is "
                    f"{h.base_offset}"
                )
            if size > max_bytes:
                raise RecordTooLargeError(
                    f"The record batch size in the append to {where} is {size} bytes which exceeds the "
                    f"maximum configured value of {max_bytes}."
                )
            crc = crc32c(memoryview(buf)[pos + CRC_START : pos + size])
            if crc != h.crc:
                raise CorruptRecordError(
                    f"Record is corrupt (stored crc = {h.crc}, computed crc = {crc}) in the batch at byte "
                    f"{pos} of the append to {where}"
                )
            if h.records_count <= 0:
                raise InvalidRecordError(f"Invalid reported count for record batch: {h.records_count}")
            if from_client:
                if h.records_count != h.last_offset_delta + 1:
                    raise InvalidRecordError(
                        f"Inconsistent batch offset range [0, {h.last_offset_delta}] and count of records "
                        f"{h.records_count}"
                    )
                if h.is_control and not control_ok:
                    raise InvalidRecordError("Clients are not allowed to write control records")
            out.append((pos, h))
            pos += size
        return out

    def _write(
        self, buf: bytes | bytearray, entries: list, first: int, last: int, max_ts: int, epoch: int
    ) -> None:
        seg = self._maybe_roll(len(buf), max_ts, first, last)
        seg.append(buf, entries)
        if epoch >= 0 and (not self._leader_epochs or epoch > self._leader_epochs[-1][0]):
            self._leader_epochs.append((epoch, first))
            ckpt.write_leader_epochs(self.dir / ckpt.LEADER_EPOCH_CHECKPOINT, self._leader_epochs)

    @property
    def _flush_policy(self) -> bool:
        return self.config.flush_messages is not None or self.config.flush_ms is not None

    def _after_append(self, count: int, now: int) -> None:
        self._unflushed_messages += count
        cfg = self.config
        if (cfg.flush_messages is not None and self._unflushed_messages >= cfg.flush_messages) or (
            cfg.flush_ms is not None and now - self._last_flush_ms >= cfg.flush_ms
        ):
            self.flush()

    def maybe_flush(self, now: int | None = None) -> bool:
        """Kafka's periodic flush check (log.flush.scheduler.interval.ms): fsync if flush.ms has
        passed with unflushed messages. The broker calls it from a timer; appends check too."""
        cfg = self.config
        now = self.clock() if now is None else now
        with self._lock:
            if self._closed or cfg.flush_ms is None or not self._unflushed_messages:
                return False
            if now - self._last_flush_ms < cfg.flush_ms:
                return False
            self.flush()
            return True

    def _check_open(self) -> None:
        if self._closed:
            raise LogClosedError(
                f"the log of {self.topic}-{self.partition} is closed (topic deleted or broker stopping)"
            )

    # -- rolling -------------------------------------------------------------------------

    def _maybe_roll(self, incoming: int, max_ts: int, first_offset: int, last_offset: int) -> LogSegment:
        seg = self._segments[-1]
        cfg = self.config
        if seg.size == 0:
            if last_offset - seg.base_offset > _MAX_RELATIVE_OFFSET or first_offset < seg.base_offset:
                seg = self.roll(first_offset)
            return seg
        # Kafka's LogSegment.shouldRoll / timeWaitedForRoll
        first_ts = seg.first_batch_timestamp()
        if first_ts is not None and first_ts >= 0:
            waited = max_ts - first_ts
        else:
            waited = self.clock() - seg.created_ms
        if (
            seg.size > cfg.segment_bytes - incoming
            or waited > cfg.roll_ms
            or seg.index.entry_count() >= cfg.segment_index_bytes // 8  # offset index full
            or seg.time_index.entry_count() >= cfg.segment_index_bytes // 12  # time index full
            or last_offset - seg.base_offset > _MAX_RELATIVE_OFFSET
        ):
            return self.roll(first_offset)
        return seg

    def roll(self, base_offset: int | None = None) -> LogSegment:
        """Start a new active segment at the log end offset. The old one is fsynced in the
        background (Kafka: flush-log task), then the recovery point moves up to the new base."""
        with self._lock:
            old = self._segments[-1]
            new_base = self.log_end_offset if base_offset is None else base_offset
            if old.size == 0 and old.base_offset == new_base:
                return old
            old.on_become_inactive()
            seg = LogSegment(self.dir, new_base, self.config.index_interval_bytes)
            if old.size == 0:
                self._segments.pop().delete()
                self._bases.pop()
            self._segments.append(seg)
            self._bases.append(new_base)
            if old.size:
                fds = old.dup_fds()
                threading.Thread(
                    target=self._flush_fds,
                    args=(fds, new_base),
                    daemon=True,
                    name=f"flush-{self.topic}-{self.partition}",
                ).start()
            return seg

    def _flush_fds(self, fds: list[int], upto: int) -> None:
        try:
            for fd in fds:
                os.fsync(fd)
        finally:
            for fd in fds:
                os.close(fd)
        with self._lock:
            if upto > self.recovery_point:
                self.recovery_point = min(upto, self.log_end_offset)

    # -- reading -------------------------------------------------------------------------

    def _segment_index(self, offset: int) -> int:
        return max(bisect_right(self._bases, offset) - 1, 0)

    def read(
        self, offset: int, max_bytes: int, *, max_offset: int | None = None, min_one: bool = True
    ) -> bytes | memoryview:
        """Whole stored batches from the one containing `offset`, up to `max_bytes` (at least
        one batch when `min_one`), stopping before a batch whose base offset >= `max_offset`."""
        with self._lock:
            self._check_open()
            leo = self.log_end_offset
            if offset < self.log_start_offset:  # Kafka's two texts (Partition.scala, LocalLog.scala)
                raise OffsetOutOfRangeError(
                    f"Received request for offset {offset} for partition {self.topic}-{self.partition}, "
                    f"but we only have log segments in the range {self.log_start_offset} to {leo}."
                )
            if offset > leo:
                raise OffsetOutOfRangeError(
                    f"Received request for offset {offset} for partition {self.topic}-{self.partition}, "
                    f"but we only have log segments upto {leo}."
                )
            if offset == leo or (max_offset is not None and offset >= max_offset):
                return b""
            i = self._segment_index(offset)
            while i < len(self._segments):
                data = self._segments[i].read(offset, max_bytes, max_offset, min_one)
                if data is not None:
                    return data
                i += 1
            return b""

    def iter_batch_headers(self, start_offset: int = 0) -> Iterator[BatchHeader]:
        """Headers of stored batches whose last offset >= start_offset (producer-state rebuild)."""
        with self._lock:
            self._check_open()
            segments = list(self._segments)
            i = self._segment_index(start_offset)
        for seg in segments[i:]:
            # one segment at a time under the lock (retention may close a segment's files
            # between yields); the caller gets them after the lock is released
            with self._lock:
                if self._closed or seg not in self._segments:
                    continue
                pos = seg.translate_offset(start_offset) if seg is segments[i] else 0
                headers = [] if pos is None else [h for _, h in seg.walk_headers(pos)]
            yield from headers

    def offset_for_timestamp(self, ts: int) -> tuple[int, int] | None:
        """(offset, timestamp) of the first record with timestamp >= ts, or None."""
        from broker.log.records import UnsupportedCompression, iter_records

        with self._lock:
            self._check_open()
            for seg in self._segments:
                if seg.max_timestamp < ts or seg.size == 0:
                    continue
                start = max(seg.time_index.lookup_before(ts), self.log_start_offset)
                pos = seg.translate_offset(start)
                if pos is None:
                    continue
                for bpos, h in seg.walk_headers(pos):
                    if h.max_timestamp < ts or h.last_offset < self.log_start_offset:
                        continue
                    if h.is_log_append_time:
                        return max(h.base_offset, self.log_start_offset), h.max_timestamp
                    try:
                        for rec in iter_records(seg.read_at(bpos, h.size)):
                            if rec.timestamp >= ts and rec.offset >= self.log_start_offset:
                                return rec.offset, rec.timestamp
                    except UnsupportedCompression:
                        return max(h.base_offset, self.log_start_offset), h.max_timestamp
            return None

    # -- truncation and retention --------------------------------------------------------

    def truncate_to(self, offset: int) -> None:
        """Remove every batch at or after `offset` (a batch that straddles it goes entirely)."""
        with self._lock:
            self._check_open()
            if offset >= self.log_end_offset:
                return
            if offset <= self._segments[0].base_offset:
                self._truncate_fully_and_start_at(offset)
                return
            while len(self._segments) > 1 and self._segments[-1].base_offset >= offset:
                self._segments.pop().delete()
                self._bases.pop()
            self._segments[-1].truncate_to(offset)
            self._after_truncation()

    def truncate_fully_and_start_at(self, offset: int) -> None:
        """Drop the whole log and start it empty at `offset` (a follower below its leader's log
        start: Kafka's UnifiedLog.truncateFullyAndStartAt)."""
        with self._lock:
            self._check_open()
            self._truncate_fully_and_start_at(offset)

    def _truncate_fully_and_start_at(self, offset: int) -> None:
        for seg in self._segments:
            seg.delete()
        self._segments = [LogSegment(self.dir, offset, self.config.index_interval_bytes)]
        self._bases = [offset]
        self.log_start_offset = offset
        self._after_truncation()

    def _after_truncation(self) -> None:
        self.truncations += 1
        leo = self.log_end_offset
        self.recovery_point = min(self.recovery_point, leo)
        self.high_watermark = min(self.high_watermark, leo)
        self.log_start_offset = min(self.log_start_offset, leo)
        self._truncate_epochs_after(leo)

    def _truncate_epochs_after(self, leo: int) -> None:
        kept = [(e, s) for e, s in self._leader_epochs if s < leo]
        if kept != self._leader_epochs:
            self._leader_epochs = kept
            ckpt.write_leader_epochs(self.dir / ckpt.LEADER_EPOCH_CHECKPOINT, kept)

    def enforce_retention(self, now_ms: int | None = None, *, by_time_and_size: bool = True) -> int:
        """Kafka's deleteOldSegments, three passes in Kafka's order: segments wholly below the
        log start offset, then retention.bytes, then retention.ms. Only a prefix of the log goes,
        never the active segment, never a segment reaching past the high watermark. Returns how
        many segments were deleted. `by_time_and_size` False: cleanup.policy without `delete`
        (compact only), where only segments below the log start offset go."""
        now = self.clock() if now_ms is None else now_ms
        cfg = self.config
        with self._lock:
            self._check_open()
            deleted = self._delete_while(lambda seg, nxt: nxt.base_offset <= self.log_start_offset)
            if not by_time_and_size:
                return deleted
            if cfg.retention_bytes >= 0 and self.size_in_bytes >= cfg.retention_bytes:
                diff = self.size_in_bytes - cfg.retention_bytes

                def too_big(seg: LogSegment, nxt: LogSegment) -> bool:
                    nonlocal diff
                    if diff - seg.size >= 0:
                        diff -= seg.size
                        return True
                    return False

                deleted += self._delete_while(too_big)
            if cfg.retention_ms >= 0:
                # the segment's largest timestamp, or the file's mtime if it has none (Kafka too)
                deleted += self._delete_while(
                    lambda seg, nxt: (
                        now - (seg.max_timestamp if seg.max_timestamp >= 0 else seg.last_modified_ms())
                        > cfg.retention_ms
                    )
                )
            return deleted

    def _delete_while(self, predicate: Callable[[LogSegment, LogSegment], bool]) -> int:
        count = 0
        segs = self._segments
        while count < len(segs) - 1:  # the active segment is never deleted
            seg, nxt = segs[count], segs[count + 1]
            if self.high_watermark < nxt.base_offset or not predicate(seg, nxt):
                break
            count += 1
        if count:
            self._delete_prefix(count)
        return count

    def _delete_prefix(self, count: int) -> None:
        gone, self._segments = self._segments[:count], self._segments[count:]
        self._bases = self._bases[count:]
        self.log_start_offset = max(self.log_start_offset, self._segments[0].base_offset)
        self.recovery_point = max(self.recovery_point, self.log_start_offset)
        self.high_watermark = max(self.high_watermark, self.log_start_offset)
        for seg in gone:
            self._note(
                f"Deleting segment {seg.log_path.name} (offsets {seg.base_offset}..{seg.next_offset - 1})"
            )
            seg.delete()
        self._truncate_epochs_before(self.log_start_offset)

    def _truncate_epochs_before(self, start: int) -> None:
        # Kafka's LeaderEpochFileCache.truncateFromStart: the last epoch starting before `start`
        # is kept and moved to `start`.
        before = [(e, s) for e, s in self._leader_epochs if s <= start]
        after = [(e, s) for e, s in self._leader_epochs if s > start]
        kept = ([(before[-1][0], start)] if before else []) + after
        if kept != self._leader_epochs:
            self._leader_epochs = kept
            ckpt.write_leader_epochs(self.dir / ckpt.LEADER_EPOCH_CHECKPOINT, kept)

    def replace_segments(self, staged: list[tuple[LogSegment, bytes, list]], staging: Path) -> bool:
        """Swap cleaned copies in for segments (Kafka's replaceSegments; the log cleaner's last
        step). `staged`: (old segment, its new bytes, index entries as LogSegment.append takes
        them). Offsets are unchanged, so readers see the same offsets before and after. Returns
        False (nothing swapped) if retention removed one of the segments meanwhile."""
        built = []
        for old, data, entries in staged:  # the new files, off the lock
            seg = LogSegment(staging, old.base_offset, self.config.index_interval_bytes)
            if entries:
                seg.append(data, entries)
            seg.on_become_inactive()
            seg.flush()
            seg.close()
            built.append((old, seg))
        with self._lock:
            self._check_open()
            if any(old not in self._segments for old, _ in built):
                return False
            for old, seg in built:
                old.close()
                for path in (seg.log_path, seg.index.path, seg.time_index.path):
                    os.replace(path, self.dir / path.name)
                new = LogSegment(self.dir, old.base_offset, self.config.index_interval_bytes)
                try:
                    new.load()
                except IndexCorruptError:
                    new.recover()
                self._segments[self._segments.index(old)] = new
            ckpt.fsync_dir(self.dir)
        return True

    def delete_records_before(self, offset: int) -> int:
        """DeleteRecords: move the log start offset up to `offset` (≤ high watermark is the
        broker's check), delete segments wholly below it. Returns the new log start offset."""
        with self._lock:
            self._check_open()
            if offset > self.log_end_offset:
                raise OffsetOutOfRangeError(
                    f"Cannot increment the log start offset to {offset} of partition "
                    f"{self.topic}-{self.partition} "
                    f"since it is larger than the log end offset {self.log_end_offset}"
                )
            if offset > self.log_start_offset:
                self.log_start_offset = offset
                doomed = sum(
                    1 for i in range(len(self._segments) - 1) if self._segments[i + 1].base_offset <= offset
                )
                if doomed:
                    self._delete_prefix(doomed)
                else:
                    self._truncate_epochs_before(offset)
            return self.log_start_offset

    # -- durability and lifecycle --------------------------------------------------------

    def flush(self) -> None:
        """fsync every segment above the recovery point; the recovery point becomes the LEO."""
        with self._lock:
            self._check_open()
            leo = self.log_end_offset
            for seg in self._segments:
                if seg.next_offset > self.recovery_point or seg is self._segments[-1]:
                    seg.flush()
            self.recovery_point = leo
            self._unflushed_messages = 0
            self._last_flush_ms = self.clock()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._segments[-1].on_become_inactive()
            self.flush()
            for seg in self._segments:
                seg.close()
            self._closed = True

    def move_to(self, parent: Path) -> None:
        """Move this log's directory under another log dir of the broker (AlterReplicaLogDirs).

        As Kafka, into a future log (`<topic>-<p>.<uuid>-future`) filled while this one keeps
        serving, then swapped with it (LogManager.replaceCurrentWithFutureLog): dir_move.sync
        rounds with no lock held until a round copies little, then a last one under this log's
        lock, so appends and reads of the partition wait only for what changed since. The commit
        point is renaming the source to `<dir>.<uuid>-delete` (the future's uuid): at start,
        LogManager promotes a future dir only when its `-delete` twin exists, else drops it."""
        with self._moving:  # one move of this log at a time
            tag = uuid.uuid4().hex
            future = parent / f"{self.dir.name}.{tag}{FUTURE_SUFFIX}"
            state = dir_move.CopyState()
            committed = False
            try:
                for _ in range(MOVE_ROUNDS):
                    with self._lock:
                        self._check_open()
                        self.flush()
                        base, truncations = self._segments[-1].base_offset, self.truncations
                    if dir_move.sync(self.dir, future, state, base, truncations) <= MOVE_LOCKED_BYTES:
                        break
                with self._lock:
                    self._check_open()
                    leo = self.log_end_offset
                    self._segments[-1].on_become_inactive()
                    self.flush()
                    for seg in self._segments:
                        seg.close()
                    base = self._segments[-1].base_offset
                    try:
                        dir_move.sync(self.dir, future, state, base, self.truncations)
                    except OSError:
                        self._load_segments(leo, True)  # the source is untouched: serve it again
                        raise
                    doomed = self.dir.with_name(f"{self.dir.name}.{tag}-delete")
                    self.dir.rename(doomed)  # the commit point
                    committed = True
                    target = parent / self.dir.name
                    future.rename(target)
                    ckpt.fsync_dir(parent)
                    ckpt.fsync_dir(doomed.parent)
                    shutil.rmtree(doomed, ignore_errors=True)
                    self.dir = target
                    self._load_segments(leo, True)
            except BaseException:
                if not committed:  # the source is still the log; after the commit the copy is
                    dir_move.remove(future)
                raise

    def delete(self) -> None:
        """Remove every file of this log (topic deletion)."""
        with self._lock:
            for seg in self._segments:
                seg.close()
            self._closed = True

    def __repr__(self) -> str:
        return (
            f"PartitionLog({self.topic}-{self.partition}, start={self.log_start_offset}, "
            f"end={self.log_end_offset}, segments={len(self._segments)})"
        )
