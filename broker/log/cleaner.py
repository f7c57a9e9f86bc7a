"""Log compaction of one partition (Kafka's LogCleaner / Cleaner, one pass): keep the last record
per key, drop tombstones older than delete.retention.ms, rewrite the cleaned segments and swap
them in.

What is cleaned: the inactive segments wholly below the first uncleanable offset, which is the
smallest of the active segment's base offset, the last stable offset (no open transaction is
touched) and the base offset of the first segment holding a record newer than
min.compaction.lag.ms (Kafka's LogCleanerManager.cleanableOffsets). The dirty section starts at
the cleaner checkpoint (`cleaner-offset-checkpoint`, kept by broker/compaction.py).

Differences from Kafka, on purpose (docs/storage.md):
- transactional batches (data and markers) are kept whole and their records never supersede
  others, so an aborted or open transaction never removes a committed value;
- a tombstone goes once its batch's max timestamp is older than delete.retention.ms (Kafka 3.x
  stamps a delete horizon into the batch on the first pass, KIP-534);
- a rewritten batch is stored uncompressed (Kafka recompresses with the batch's codec).
Offsets never change: a rewritten batch keeps its base offset, last offset delta, producer id,
epoch and base sequence, so offsets, the index and producer state stay valid.
"""

from __future__ import annotations

import os
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

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


@dataclass
class CleanStats:
    first_dirty: int
    end: int  # first uncleanable offset: the checkpoint moves here
    segments: int = 0
    bytes_read: int = 0
    bytes_written: int = 0
    records_read: int = 0
    records_kept: int = 0
    tombstones_kept_until: int | None = None  # when the oldest kept tombstone may go (ms)


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


def _latest_offsets(plog, segments, first_dirty: int) -> dict[bytes, int]:
    """Key -> offset of its last record in the dirty section (Kafka's OffsetMap)."""
    latest: dict[bytes, int] = {}
    for seg in segments:
        if seg.next_offset <= first_dirty:
            continue
        for h, raw in iter_batches(_segment_bytes(plog, seg), verify_crc=False):
            if h.is_transactional or h.is_control:
                continue
            for rec in iter_records(raw, h):
                if rec.key is not None and rec.offset >= first_dirty:
                    latest[rec.key] = rec.offset
    return latest


def _rebuild(h: BatchHeader, kept: list) -> bytes:
    """A batch holding `kept` (records of the batch of header `h`) under the same offsets."""
    body = b"".join(
        encode_record(r.offset - h.base_offset, r.timestamp - h.base_timestamp, r.key, r.value, r.headers)
        for r in kept
    )
    max_ts = max(r.timestamp for r in kept) if not h.is_log_append_time else h.max_timestamp
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


def clean(plog, settings: CleanerSettings, first_dirty: int, end: int, now: int) -> CleanStats:
    """One pass over the segments wholly below `end`; returns what it did."""
    stats = CleanStats(first_dirty, end)
    segments = [s for s in plog.segments if s.next_offset <= end and s is not plog.active_segment]
    if not segments:
        return stats
    latest = _latest_offsets(plog, segments, first_dirty)
    horizon = now - settings.delete_retention_ms
    staging = Path(plog.dir) / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    staged = []
    for seg in segments:
        data = _segment_bytes(plog, seg)
        stats.bytes_read += len(data)
        out = bytearray()
        entries = []
        for h, raw in iter_batches(data, verify_crc=False):
            if h.is_transactional or h.is_control:
                kept_batch = bytes(raw)
            else:
                records = list(iter_records(raw, h))
                stats.records_read += len(records)
                kept = []
                for r in records:
                    if r.key is not None and latest.get(r.key, r.offset) > r.offset:
                        continue  # superseded by a later value of its key
                    if r.key is not None and r.value is None:
                        if h.max_timestamp < horizon:
                            continue  # a tombstone past delete.retention.ms
                        due = h.max_timestamp + settings.delete_retention_ms
                        if stats.tombstones_kept_until is None or due < stats.tombstones_kept_until:
                            stats.tombstones_kept_until = due
                    kept.append(r)
                stats.records_kept += len(kept)
                if not kept:
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
    return stats


def remove_staging(directory: Path) -> None:
    """A pass interrupted by a crash leaves its staging directory: nothing in it is needed."""
    p = Path(directory) / STAGING_DIR
    if p.is_dir():
        shutil.rmtree(p, ignore_errors=True)
    elif p.exists():
        os.unlink(p)
