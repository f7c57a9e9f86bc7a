"""Log compaction of one partition (Kafka's LogCleaner / Cleaner, one pass): keep the last record
per key, drop tombstones older than delete.retention.ms, drop aborted transactions and then their
markers, rewrite the cleaned segments and swap them in.

What is cleaned: the inactive segments wholly below the first uncleanable offset, which is the
smallest of the active segment's base offset, the last stable offset (no open transaction is
touched) and the base offset of the first segment holding a record newer than
min.compaction.lag.ms (Kafka's LogCleanerManager.cleanableOffsets). The dirty section starts at
the cleaner checkpoint (`cleaner-offset-checkpoint`, kept by broker/compaction.py).

The key map is bounded as Kafka's (SkimpyOffsetMap, `log.cleaner.dedupe.buffer.size`): at most
`max_map_entries` keys (16-byte MD5 digests, as Kafka keys its map). When it is full the pass
stops mapping after the last whole batch, cleans up to there only (records above it are kept as
they are) and the checkpoint moves there: the rest is cleaned in the next passes.

Transactions, as Kafka's CleanedTransactionMetadata: batches of an aborted transaction (from the
aborted-transaction index) never enter the map and are removed; committed transactional records
are compacted like any others; an ABORT marker goes once a pass saw none of its transaction's
batches, a COMMIT marker likewise, and only when the marker is older than delete.retention.ms
(Kafka's delete horizon for markers). The last batch of each producer (its last data batch, or
its last marker when it wrote no data after it) is kept, emptied if need be, so producer state
(sequence, epoch) survives a restart (Kafka's RETAIN_EMPTY).

Differences from Kafka, on purpose (docs/storage.md):
- a tombstone or a marker goes once its batch's max timestamp is older than delete.retention.ms
  (Kafka 3.x stamps a delete horizon into the batch on the first pass, KIP-534);
- a rewritten batch is stored uncompressed (Kafka recompresses with the batch's codec);
- `.txnindex` entries stay with their segments (Kafka drops the entry with its marker).
Offsets never change: a rewritten batch keeps its base offset, last offset delta, producer id,
epoch and base sequence, so offsets, the index and producer state stay valid.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from ..txn.control import ABORT, COMMIT, control_type
from .batch import ATTR_COMPRESSION_MASK, HEADER, BatchHeader, crc32c, iter_batches
from .builder import encode_record
from .records import iter_records

STAGING_DIR = "cleaner"  # inside the partition directory; never a segment name


@dataclass
class CleanerSettings:
    min_cleanable_ratio: float = 0.5
    min_compaction_lag_ms: int = 0
    max_compaction_lag_ms: int = 2**63 - 1
    delete_retention_ms: int = 86400000
    max_map_entries: int = 5_033_164  # Kafka's default 128 MiB dedupe buffer (map_entries below)


def map_entries(dedupe_buffer_size: int, load_factor: float, threads: int) -> int:
    """Kafka's SkimpyOffsetMap capacity: slots of 24 bytes (a 16-byte MD5 digest and an 8-byte
    offset) in the buffer share of one cleaner thread, filled up to the load factor."""
    share = min(dedupe_buffer_size // max(threads, 1), 2**31 - 1)
    return int((share // 24) * load_factor)


@dataclass
class CleanStats:
    first_dirty: int
    end: int  # first uncleanable offset: the checkpoint moves here
    segments: int = 0
    bytes_read: int = 0
    bytes_written: int = 0
    records_read: int = 0
    records_kept: int = 0
    tombstones_kept_until: int | None = None  # when the oldest kept tombstone or marker may go (ms)
    map_full: bool = False  # the key map filled up: `end` is where this pass's mapping stopped
    aborted_batches_removed: int = 0
    markers_removed: int = 0


def cleanable_end(plog, lso: int, settings: CleanerSettings, now: int) -> int:
    end = min(plog.active_segment.base_offset, lso)
    if settings.min_compaction_lag_ms > 0:
        for seg in plog.segments:
            if seg.base_offset >= end:
                break
            if seg.max_timestamp > now - settings.min_compaction_lag_ms:
                end = seg.base_offset
                break
    return end


def dirty_ratio(plog, first_dirty: int, end: int) -> float:
    """Bytes of the dirty section / bytes of clean + dirty sections (Kafka's cleanableRatio)."""
    clean = dirty = 0
    for seg in plog.segments:
        if seg.next_offset > end or seg.base_offset >= end:
            break
        if seg.next_offset <= first_dirty:
            clean += seg.size
        else:
            dirty += seg.size
    total = clean + dirty
    return dirty / total if total else 0.0


def _segment_bytes(plog, seg) -> bytes:
    with plog._lock:  # noqa: SLF001  (retention may close the segment meanwhile)
        return seg.read_at(0, seg.size)


def _batches(data: bytes):
    """The batches of a segment's bytes; none for a segment an earlier pass left empty."""
    return iter_batches(data, verify_crc=False) if data else iter(())


def _digest(key) -> bytes:
    return hashlib.md5(key).digest()  # Kafka's SkimpyOffsetMap hashes keys with MD5


@dataclass
class _TxnFilter:
    """Kafka's CleanedTransactionMetadata, walked in offset order: which data batches belong to an
    aborted transaction, and whether a marker may go."""

    pending: deque  # aborted transactions (first_offset, producer_id, ...) by first offset
    aborted: dict[int, list] = field(default_factory=dict)  # producer -> [txn, a batch seen?]
    committed: set[int] = field(default_factory=set)  # producers with a committed txn's batch seen

    @classmethod
    def of(cls, aborted_txns) -> _TxnFilter:
        return cls(deque(sorted(aborted_txns, key=lambda a: a.first_offset)))

    def _reach(self, offset: int) -> None:
        while self.pending and self.pending[0].first_offset <= offset:
            a = self.pending.popleft()
            self.aborted.setdefault(a.producer_id, [a, False])

    def data_batch(self, h: BatchHeader) -> bool:
        """True if the batch is part of an aborted transaction."""
        self._reach(h.last_offset)
        if not h.is_transactional:
            return False
        entry = self.aborted.get(h.producer_id)
        if entry is not None:
            entry[1] = True
            return True
        self.committed.add(h.producer_id)
        return False

    def marker(self, h: BatchHeader, kind: int | None) -> bool:
        """True if the marker may go (no batch of its transaction was seen in this pass)."""
        self._reach(h.last_offset)
        if kind == ABORT:
            entry = self.aborted.pop(h.producer_id, None)
            return not (entry is not None and entry[1])
        if kind == COMMIT:
            if h.producer_id in self.committed:
                self.committed.discard(h.producer_id)
                return False
            return True
        return False


def _offset_map(
    plog, segments, first_dirty: int, aborted_txns, limit: int
) -> tuple[dict[bytes, int], int, bool]:
    """(key digest -> offset of its last record in the dirty section, the offset after the last
    batch mapped whole, whether the map filled up) — Kafka's buildOffsetMap."""
    latest: dict[bytes, int] = {}
    mapped = first_dirty - 1
    txns = _TxnFilter.of(aborted_txns)
    for seg in segments:
        if seg.next_offset <= first_dirty:
            continue
        for h, raw in _batches(_segment_bytes(plog, seg)):
            if h.is_control:
                txns.marker(h, control_type(raw, h))
            elif not txns.data_batch(h):
                for rec in iter_records(raw, h):
                    if rec.key is not None and rec.offset >= first_dirty:
                        if len(latest) >= limit:
                            return latest, mapped + 1, True
                        latest[_digest(rec.key)] = rec.offset
            mapped = max(mapped, h.last_offset)
        mapped = max(mapped, seg.next_offset - 1)
    return latest, mapped + 1, False


def last_batches_of_producers(plog) -> set[int]:
    """Last offsets of the batches Kafka keeps for producer state (LogCleaner's
    isBatchLastRecordOfProducer over lastRecordsOfActiveProducers): each producer's last data
    batch (its last sequence), or its last marker if it never wrote data here (its epoch)."""
    last_data: dict[int, int] = {}
    last_marker: dict[int, int] = {}
    for h in plog.iter_batch_headers(plog.log_start_offset):
        if h.producer_id >= 0:
            (last_marker if h.is_control else last_data)[h.producer_id] = h.last_offset
    return set(last_data.values()) | {o for pid, o in last_marker.items() if pid not in last_data}


def _rebuild(h: BatchHeader, kept: list) -> bytes:
    """A batch holding `kept` (records of the batch of header `h`) under the same offsets."""
    body = b"".join(
        encode_record(r.offset - h.base_offset, r.timestamp - h.base_timestamp, r.key, r.value, r.headers)
        for r in kept
    )
    max_ts = max(r.timestamp for r in kept) if kept and not h.is_log_append_time else h.max_timestamp
    header = bytearray(
        HEADER.pack(
            h.base_offset,
            HEADER.size - 12 + len(body),
            h.partition_leader_epoch,
            2,
            0,
            h.attributes & ~ATTR_COMPRESSION_MASK,
            h.last_offset_delta,
            h.base_timestamp,
            max_ts,
            h.producer_id,
            h.producer_epoch,
            h.base_sequence,
            len(kept),
        )
    )
    crc = crc32c(body, crc32c(memoryview(header)[21:]))
    struct.pack_into(">I", header, 17, crc)
    return bytes(header) + body


def clean(
    plog, settings: CleanerSettings, first_dirty: int, end: int, now: int, aborted_txns=()
) -> CleanStats:
    """One pass over the segments wholly below `end` (`aborted_txns`: the partition's aborted
    transactions overlapping them); returns what it did, `stats.end` being where the checkpoint
    moves (below `end` when the key map filled up)."""
    stats = CleanStats(first_dirty, end)
    segments = [s for s in plog.segments if s.next_offset <= end and s is not plog.active_segment]
    if not segments:
        return stats
    # the map walks from the first dirty offset: only the aborted transactions still open there
    in_dirty = [a for a in aborted_txns if a.last_offset >= first_dirty]
    latest, mapped_end, stats.map_full = _offset_map(
        plog, segments, first_dirty, in_dirty, settings.max_map_entries
    )
    stats.end = min(end, mapped_end)
    segments = [s for s in segments if s.base_offset < stats.end]
    keep_for_producers = last_batches_of_producers(plog)
    horizon = now - settings.delete_retention_ms
    txns = _TxnFilter.of(aborted_txns)
    staging = Path(plog.dir) / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    staged = []

    def tombstone_due(h: BatchHeader) -> None:
        due = h.max_timestamp + settings.delete_retention_ms
        if stats.tombstones_kept_until is None or due < stats.tombstones_kept_until:
            stats.tombstones_kept_until = due

    for seg in segments:
        data = _segment_bytes(plog, seg)
        stats.bytes_read += len(data)
        out = bytearray()
        entries = []
        for h, raw in _batches(data):
            producer_last = h.producer_id >= 0 and h.last_offset in keep_for_producers
            if h.is_control:
                may_go = txns.marker(h, control_type(raw, h))
                if may_go and h.max_timestamp >= horizon:
                    tombstone_due(h)  # the marker goes once older than delete.retention.ms
                if may_go and h.max_timestamp < horizon and not producer_last:
                    stats.markers_removed += 1
                    continue
                kept_batch = bytes(raw)
            else:
                records = list(iter_records(raw, h))
                stats.records_read += len(records)
                kept = []
                if txns.data_batch(h):
                    stats.aborted_batches_removed += 1  # an aborted transaction's batch
                else:
                    for r in records:
                        if r.offset >= stats.end:
                            kept.append(r)  # above what the key map covers: next pass
                            continue
                        if r.key is not None and latest.get(_digest(r.key), r.offset) > r.offset:
                            continue  # superseded by a later value of its key
                        if r.key is not None and r.value is None:
                            if h.max_timestamp < horizon:
                                continue  # a tombstone past delete.retention.ms
                            tombstone_due(h)
                        kept.append(r)
                stats.records_kept += len(kept)
                if not kept and not producer_last:
                    continue
                kept_batch = bytes(raw) if len(kept) == len(records) else _rebuild(h, kept)
            entries.append((len(out), h.last_offset, h.max_timestamp, len(kept_batch)))
            out += kept_batch
        staged.append((seg, bytes(out), entries))
        stats.bytes_written += len(out)
    stats.segments = len(segments)
    swapped = plog.replace_segments(staged, staging)
    shutil.rmtree(staging, ignore_errors=True)
    if not swapped:
        stats.segments = 0
        stats.end = first_dirty  # nothing changed: the same section is dirty still
    return stats


def remove_staging(directory: Path) -> None:
    """A pass interrupted by a crash leaves its staging directory: nothing in it is needed."""
    p = Path(directory) / STAGING_DIR
    if p.is_dir():
        shutil.rmtree(p, ignore_errors=True)
    elif p.exists():
        os.unlink(p)
