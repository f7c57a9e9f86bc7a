"""The pre-0.11 message formats (magic 0 and 1), only at the protocol's edge.

Kafka 3.7 still serves Produce v0–2 and Fetch v0–3, whose clients speak message sets of magic 0
or 1. The log stores RecordBatch v2 only (message.format.version 3.0), so, as Kafka's
LogValidator does, a produced message set is up-converted to one v2 batch, and, as Kafka's
down-conversion for old fetchers does (RecordsUtil.downConvert / LazyDownConversionRecords),
stored batches are rewritten as messages of the fetcher's magic (Fetch v0–1: magic 0, v2–3:
magic 1; KafkaApis picks it by version).

Format facts (Kafka's LegacyRecord): each entry is offset i64, size i32, then crc u32 (CRC-32
over the rest), magic i8, attributes i8 (bits 0–2 codec, bit 3 LogAppendTime in magic 1),
timestamp i64 (magic 1 only), key and value as i32-length bytes (-1 = null). A compressed entry's
value is a message set of inner messages; in magic 1 their offsets are relative and the wrapper
carries the last one. Differences from Kafka, on purpose: the v2 batch built from a compressed
message set is stored uncompressed, and down-converted messages are written uncompressed (Kafka
keeps the codec); clients read both.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from .batch import HEADER_SIZE, BatchHeader, CorruptRecordError
from .builder import build_batch
from .records import UnsupportedCompression, decompress, iter_records

NO_TIMESTAMP = -1
LOG_APPEND_TIME_FLAG = 0x08
ZSTD = 4
_ENTRY = struct.Struct(">qi")  # offset, size
_MAX_DEPTH = 1  # a wrapper's inner messages are never compressed again (Kafka refuses that)


@dataclass(frozen=True, slots=True)
class LegacyMessage:
    offset: int
    magic: int
    timestamp: int
    log_append_time: bool
    key: bytes | None
    value: bytes | None


def magic_of(data: bytes | memoryview) -> int:
    """The magic byte of the first entry (offset 16 in every format), or -1 if too short."""
    return data[16] if len(data) > 16 else -1


def _sized(buf: memoryview, pos: int, end: int, what: str) -> tuple[bytes | None, int]:
    if pos + 4 > end:
        raise CorruptRecordError(f"message {what} length runs past the message")
    (n,) = struct.unpack_from(">i", buf, pos)
    pos += 4
    if n < 0:
        return None, pos
    if pos + n > end:
        raise CorruptRecordError(f"message {what} of {n} bytes runs past the message")
    return bytes(buf[pos : pos + n]), pos + n


def iter_messages(data: bytes | memoryview, _depth: int = 0) -> Iterator[LegacyMessage]:
    """Every message of a magic 0/1 message set, compressed wrappers opened. A trailing partial
    entry is an error here: a producer sends whole messages."""
    buf = memoryview(data)
    pos = 0
    while pos < len(buf):
        if pos + _ENTRY.size > len(buf):
            raise CorruptRecordError("message set ends inside an entry header")
        offset, size = _ENTRY.unpack_from(buf, pos)
        start, end = pos + _ENTRY.size, pos + _ENTRY.size + size
        if size < 14 or end > len(buf):  # LegacyRecord.RECORD_OVERHEAD_V0
            raise CorruptRecordError(f"message at offset {offset} declares {size} bytes")
        (crc,) = struct.unpack_from(">I", buf, start)
        if zlib.crc32(buf[start + 4 : end]) != crc:
            raise CorruptRecordError(f"message at offset {offset} fails its CRC check")
        magic, attributes = buf[start + 4], buf[start + 5]
        if magic not in (0, 1):
            raise CorruptRecordError(f"message at offset {offset} has magic {magic} inside a message set")
        p = start + 6
        timestamp = NO_TIMESTAMP
        if magic == 1:
            (timestamp,) = struct.unpack_from(">q", buf, p)
            p += 8
        key, p = _sized(buf, p, end, "key")
        value, p = _sized(buf, p, end, "value")
        append_time = magic == 1 and bool(attributes & LOG_APPEND_TIME_FLAG)
        codec = attributes & 0x07
        if codec == 0:
            yield LegacyMessage(offset, magic, timestamp, append_time, key, value)
        else:
            if _depth >= _MAX_DEPTH or value is None:
                raise CorruptRecordError(f"message at offset {offset}: nested or empty compressed wrapper")
            try:
                inner = decompress(codec, value)
            except UnsupportedCompression:
                raise
            except Exception as exc:  # noqa: BLE001  # a codec's own error for damaged data
                raise CorruptRecordError(f"message at offset {offset}: cannot decompress ({exc})") from None
            for m in iter_messages(inner, _depth + 1):
                ts = timestamp if append_time else m.timestamp
                yield LegacyMessage(m.offset, m.magic, ts, append_time, m.key, m.value)
        pos = end


def up_convert(data: bytes | memoryview) -> bytes:
    """A produced magic 0/1 message set as one uncompressed v2 batch (offsets are assigned by
    the log). Magic 0 messages carry no timestamp: they get NO_TIMESTAMP (-1), as in Kafka."""
    msgs = list(iter_messages(data))
    if not msgs:
        raise CorruptRecordError("empty message set")
    return build_batch([(m.key, m.value, m.timestamp) for m in msgs], timestamp=msgs[0].timestamp)


def _message(offset: int, magic: int, timestamp: int, append_time: bool, key, value) -> bytes:
    attributes = LOG_APPEND_TIME_FLAG if (magic == 1 and append_time) else 0
    body = bytearray(struct.pack(">bb", magic, attributes))
    if magic == 1:
        body += struct.pack(">q", timestamp)
    for field in (key, value):
        if field is None:
            body += struct.pack(">i", -1)
        else:
            body += struct.pack(">i", len(field)) + field
    return _ENTRY.pack(offset, 4 + len(body)) + struct.pack(">I", zlib.crc32(body)) + bytes(body)


class ZstdForOldFetcher(Exception):
    """A zstd batch asked for by a fetcher older than Fetch v10 (Kafka: UNSUPPORTED_COMPRESSION_TYPE)."""


def down_convert(data: bytes | memoryview, magic: int, first_offset: int = 0) -> bytes:
    """Stored v2 batches rewritten as uncompressed magic 0/1 messages, one per record, offsets
    kept. Control batches are dropped and headers are lost (neither exists before magic 2); a
    trailing partial batch (cut by the fetch size) is left out. As Kafka's RecordsUtil.downConvert,
    records before the fetch offset are dropped from uncompressed batches and kept from compressed
    ones (old consumers skip them, as they do inside a compressed wrapper)."""
    buf = memoryview(data)
    out = bytearray()
    pos = 0
    while pos + HEADER_SIZE <= len(buf):
        h = BatchHeader.parse(buf[pos:])
        if pos + h.size > len(buf):
            break
        if h.compression == ZSTD:
            raise ZstdForOldFetcher(h.base_offset)
        if not h.is_control:  # transaction markers are never shown to old fetchers
            for r in iter_records(buf[pos : pos + h.size], h):
                if r.offset < first_offset and not h.compression:
                    continue
                ts = r.timestamp if magic == 1 else NO_TIMESTAMP
                out += _message(r.offset, magic, ts, h.is_log_append_time, r.key, r.value)
        pos += h.size
    return bytes(out)
