"""RecordBatch v2 headers: parse, validate, split a blob into batches, rewrite offsets.

The broker stores and serves batches as opaque bytes. Only the 61-byte header is ever parsed on
the hot path, plus one CRC-32C per batch. BaseOffset (bytes 0..8) and PartitionLeaderEpoch
(bytes 12..16) lie outside the CRC, so assigning offsets never recomputes it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import NamedTuple

try:  # the C extension: GB/s; the fallback only keeps the broker importable
    from crc32c import crc32c
except ImportError:  # pragma: no cover - exercised only where crc32c is missing
    from broker.log._crc32c_py import crc32c  # type: ignore[assignment]


class CorruptRecordError(Exception):
    """A batch fails structure or CRC checks (Kafka CORRUPT_MESSAGE, error code 2)."""


class InvalidRecordError(CorruptRecordError):
    """Structurally sound but not acceptable from a producer (Kafka INVALID_RECORD, 87).

    Subclass of CorruptRecordError so a caller that only knows CORRUPT_MESSAGE still refuses it.
    """


class RecordTooLargeError(Exception):
    """A batch is larger than max.message.bytes (Kafka MESSAGE_TOO_LARGE, error code 10)."""


class RecordBatchTooLargeError(RecordTooLargeError):
    """The whole append is larger than segment.bytes (Kafka RECORD_LIST_TOO_LARGE, 18)."""


# BaseOffset q, Length i, PartitionLeaderEpoch i, Magic b, CRC I, Attributes h, LastOffsetDelta i,
# BaseTimestamp q, MaxTimestamp q, ProducerId q, ProducerEpoch h, BaseSequence i, RecordsCount i
HEADER = struct.Struct(">qiibIhiqqqhii")
HEADER_SIZE = HEADER.size  # 61
LOG_OVERHEAD = 12  # BaseOffset + Length: the bytes not counted in Length
CRC_START = 21  # Attributes..end is what the CRC covers
MAGIC_OFFSET = 16
LEADER_EPOCH_OFFSET = 12
MAX_TIMESTAMP_OFFSET = 35
_OFFSET_AND_LENGTH = struct.Struct(">qi")
_Q = struct.Struct(">q")
_I = struct.Struct(">i")

COMPRESSION_NAMES = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}
ATTR_COMPRESSION_MASK = 0x07
ATTR_TIMESTAMP_TYPE = 0x08  # set = LogAppendTime
ATTR_TRANSACTIONAL = 0x10
ATTR_CONTROL = 0x20
ATTR_DELETE_HORIZON = 0x40
NO_PRODUCER_ID = -1
NO_SEQUENCE = -1


class BatchHeader(NamedTuple):
    """The 61-byte header (a NamedTuple: built straight from struct.unpack, ~0.3 µs)."""

    base_offset: int
    length: int
    partition_leader_epoch: int
    magic: int
    crc: int
    attributes: int
    last_offset_delta: int
    base_timestamp: int
    max_timestamp: int
    producer_id: int
    producer_epoch: int
    base_sequence: int
    records_count: int

    @classmethod
    def parse(cls, buf: bytes | bytearray | memoryview, pos: int = 0) -> BatchHeader:
        return _new_header(cls, HEADER.unpack_from(buf, pos))

    @property
    def size(self) -> int:
        """Bytes the whole batch occupies (header + records)."""
        return self.length + LOG_OVERHEAD

    @property
    def last_offset(self) -> int:
        return self.base_offset + self.last_offset_delta

    @property
    def next_offset(self) -> int:
        return self.base_offset + self.last_offset_delta + 1

    @property
    def compression(self) -> int:
        return self.attributes & ATTR_COMPRESSION_MASK

    @property
    def compression_name(self) -> str:
        return COMPRESSION_NAMES.get(self.compression, f"unknown({self.compression})")

    @property
    def timestamp_type(self) -> str:
        return "LogAppendTime" if self.attributes & ATTR_TIMESTAMP_TYPE else "CreateTime"

    @property
    def is_log_append_time(self) -> bool:
        return bool(self.attributes & ATTR_TIMESTAMP_TYPE)

    @property
    def is_transactional(self) -> bool:
        return bool(self.attributes & ATTR_TRANSACTIONAL)

    @property
    def is_control(self) -> bool:
        return bool(self.attributes & ATTR_CONTROL)

    @property
    def has_delete_horizon(self) -> bool:
        return bool(self.attributes & ATTR_DELETE_HORIZON)

    @property
    def last_sequence(self) -> int:
        """Kafka's DefaultRecordBatch.lastSequence: wraps at Int32 max, -1 stays -1."""
        if self.base_sequence == NO_SEQUENCE:
            return NO_SEQUENCE
        return (self.base_sequence + self.last_offset_delta) % (1 << 31)


_new_header = tuple.__new__


def batch_crc(buf: bytes | bytearray | memoryview, pos: int, size: int) -> int:
    return crc32c(memoryview(buf)[pos + CRC_START : pos + size])


def check_batch(buf: bytes | bytearray | memoryview, pos: int, end: int, *, verify_crc: bool) -> BatchHeader:
    """Parse and validate the batch at `pos` (must end by `end`); raise CorruptRecordError."""
    avail = end - pos
    if avail < LOG_OVERHEAD:
        raise CorruptRecordError(
            f"truncated batch at byte {pos}: {avail} bytes left, need at least {LOG_OVERHEAD}"
        )
    _, length = _OFFSET_AND_LENGTH.unpack_from(buf, pos)
    size = length + LOG_OVERHEAD
    if avail > MAGIC_OFFSET and buf[pos + MAGIC_OFFSET] != 2:
        raise CorruptRecordError(
            f"batch at byte {pos} has magic {buf[pos + MAGIC_OFFSET]}; "
            "only magic 2 (RecordBatch v2) is stored"
        )
    if size < HEADER_SIZE:
        raise CorruptRecordError(
            f"batch at byte {pos} declares length {length}, "
            f"below the v2 minimum of {HEADER_SIZE - LOG_OVERHEAD}"
        )
    if size > avail:
        raise CorruptRecordError(
            f"truncated batch at byte {pos}: declares {size} bytes, only {avail} present"
        )
    header = BatchHeader.parse(buf, pos)
    if header.records_count < 0 or header.last_offset_delta < 0:
        raise CorruptRecordError(
            f"batch at byte {pos} has records count {header.records_count} "
            f"and last offset delta {header.last_offset_delta}"
        )
    if verify_crc:
        actual = batch_crc(buf, pos, size)
        if actual != header.crc:
            raise CorruptRecordError(
                f"batch at byte {pos} (base offset {header.base_offset}) fails its CRC: "
                f"stored {header.crc}, computed {actual}"
            )
    return header


def iter_batches(
    buf: bytes | bytearray | memoryview, *, verify_crc: bool
) -> Iterator[tuple[BatchHeader, memoryview]]:
    """Split a blob of one or more v2 batches; yield (header, the batch's bytes).

    Raises CorruptRecordError on truncation, magic != 2, a bad CRC or an impossible length.
    """
    view = memoryview(buf)
    end = len(view)
    if end == 0:
        raise CorruptRecordError("empty records: no batch to append")
    pos = 0
    while pos < end:
        header = check_batch(view, pos, end, verify_crc=verify_crc)
        size = header.size
        yield header, view[pos : pos + size]
        pos += size


def scan_valid_prefix(
    buf: bytes | bytearray | memoryview, *, verify_crc: bool = True
) -> tuple[list[tuple[int, BatchHeader]], int, str | None]:
    """Walk batches from the start; stop at the first torn or corrupt one.

    Returns ([(position, header)...], valid_bytes, why_it_stopped or None). Used by recovery.
    """
    view = memoryview(buf)
    end = len(view)
    out: list[tuple[int, BatchHeader]] = []
    pos = 0
    while pos < end:
        try:
            header = check_batch(view, pos, end, verify_crc=verify_crc)
        except CorruptRecordError as e:
            return out, pos, str(e)
        out.append((pos, header))
        pos += header.size
    return out, pos, None


def set_base_offset(buf: bytearray, pos: int, base_offset: int) -> None:
    _Q.pack_into(buf, pos, base_offset)


def set_leader_epoch(buf: bytearray, pos: int, epoch: int) -> None:
    _I.pack_into(buf, pos + LEADER_EPOCH_OFFSET, epoch)


def set_log_append_time(buf: bytearray, pos: int, size: int, now_ms: int) -> None:
    """Stamp LogAppendTime: attribute bit, MaxTimestamp = now; the CRC must be recomputed."""
    attrs = struct.unpack_from(">h", buf, pos + CRC_START)[0] | ATTR_TIMESTAMP_TYPE
    struct.pack_into(">h", buf, pos + CRC_START, attrs)
    _Q.pack_into(buf, pos + MAX_TIMESTAMP_OFFSET, now_ms)
    struct.pack_into(">I", buf, pos + 17, batch_crc(buf, pos, size))
