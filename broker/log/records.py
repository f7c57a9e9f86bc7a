"""Record-level decoding of a v2 batch: only for dump_log and ListOffsets by timestamp.

Never on the produce/fetch path. Decompression: gzip always (zlib); snappy, lz4 and zstd when
their Python packages are importable, else UnsupportedCompression.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from broker.log.batch import HEADER_SIZE, BatchHeader, CorruptRecordError


class UnsupportedCompression(Exception):
    """The batch's codec has no decompressor installed here."""


@dataclass(frozen=True, slots=True)
class Record:
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]
    sequence: int
    attributes: int
    size: int  # bytes of the record body, as Kafka's sizeInBytes (without the length varint)


def _varint(buf: bytes | memoryview, pos: int) -> tuple[int, int]:
    """Zig-zag varint (int32 and int64 share the encoding)."""
    shift = result = 0
    while True:
        if pos >= len(buf):
            raise CorruptRecordError("record ends inside a varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return (result >> 1) ^ -(result & 1), pos
        shift += 7
        if shift > 63:
            raise CorruptRecordError("varint longer than 10 bytes")


def _bytes(buf: bytes | memoryview, pos: int) -> tuple[bytes | None, int]:
    n, pos = _varint(buf, pos)
    if n < 0:
        return None, pos
    if pos + n > len(buf):
        raise CorruptRecordError(f"record field of {n} bytes runs past the end of the batch")
    return bytes(buf[pos : pos + n]), pos + n


def decompress(codec: int, data: bytes | memoryview) -> bytes:
    if codec == 0:
        return bytes(data)
    if codec == 1:
        return zlib.decompress(bytes(data), wbits=31)
    if codec == 2:
        try:
            import snappy
        except ImportError:
            raise UnsupportedCompression("snappy (python-snappy is not installed)") from None
        raw = bytes(data)
        if raw.startswith(b"\x82SNAPPY\x00"):  # Kafka's Java client writes xerial framing
            out, pos = bytearray(), 16
            while pos + 4 <= len(raw):
                n = int.from_bytes(raw[pos : pos + 4], "big")
                out += snappy.decompress(raw[pos + 4 : pos + 4 + n])
                pos += 4 + n
            return bytes(out)
        return snappy.decompress(raw)
    if codec == 3:
        try:
            import lz4.frame
        except ImportError:
            raise UnsupportedCompression("lz4 (the lz4 package is not installed)") from None
        return lz4.frame.decompress(bytes(data))
    if codec == 4:
        try:
            import zstandard
        except ImportError:
            raise UnsupportedCompression("zstd (the zstandard package is not installed)") from None
        return zstandard.ZstdDecompressor().decompressobj().decompress(bytes(data))
    raise UnsupportedCompression(f"unknown codec {codec}")


def iter_records(batch: bytes | memoryview, header: BatchHeader | None = None) -> Iterator[Record]:
    """Decode every record of one whole batch (header included in `batch`)."""
    h = header or BatchHeader.parse(batch)
    body = decompress(h.compression, memoryview(batch)[HEADER_SIZE : h.size])
    pos = 0
    for i in range(h.records_count):
        length, pos = _varint(body, pos)
        start = pos
        end = pos + length
        if length < 0 or end > len(body):
            raise CorruptRecordError(
                f"record {i} of batch {h.base_offset} declares {length} bytes, runs past the batch"
            )
        attributes = body[pos]
        pos += 1
        ts_delta, pos = _varint(body, pos)
        off_delta, pos = _varint(body, pos)
        key, pos = _bytes(body, pos)
        value, pos = _bytes(body, pos)
        nheaders, pos = _varint(body, pos)
        headers = []
        for _ in range(max(nheaders, 0)):
            hk, pos = _bytes(body, pos)
            hv, pos = _bytes(body, pos)
            headers.append(((hk or b"").decode("utf-8", "replace"), hv))
        if pos != end:
            raise CorruptRecordError(
                f"record {i} of batch {h.base_offset}: fields end at {pos - start} of {length} bytes"
            )
        ts = h.max_timestamp if h.is_log_append_time else h.base_timestamp + ts_delta
        seq = -1 if h.base_sequence < 0 else (h.base_sequence + off_delta) % (1 << 31)
        yield Record(h.base_offset + off_delta, ts, key, value, headers, seq, attributes, length)
