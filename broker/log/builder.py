"""Build uncompressed RecordBatch v2 blobs (for the broker's own records, benchmarks, tests).

Byte-for-byte what Kafka's and kafka-python's builders produce for the same input (a test
checks it against kafka-python), so anything stored with it is readable by every client.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from broker.log.batch import HEADER, crc32c


def _zigzag(n: int) -> bytes:
    v = (n << 1) ^ (n >> 63)
    out = bytearray()
    while v & ~0x7F:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def _field(b: bytes | None) -> bytes:
    return _zigzag(-1) if b is None else _zigzag(len(b)) + b


def encode_record(
    offset_delta: int,
    timestamp_delta: int,
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes | None]] = (),
) -> bytes:
    body = bytearray(b"\x00")  # attributes (unused)
    body += _zigzag(timestamp_delta) + _zigzag(offset_delta) + _field(key) + _field(value)
    body += _zigzag(len(headers))
    for hk, hv in headers:
        body += _field(hk.encode()) + _field(hv)
    return _zigzag(len(body)) + bytes(body)


def build_batch(
    records: list[tuple],
    *,
    base_offset: int = 0,
    timestamp: int = 0,
    producer_id: int = -1,
    producer_epoch: int = -1,
    base_sequence: int = -1,
    attributes: int = 0,
    partition_leader_epoch: int = -1,
) -> bytes:
    """records: (key, value[, timestamp[, headers]]). Timestamps default to `timestamp`;
    headers are [(name, value)]. Kafka's Java producer leaves partition_leader_epoch at -1."""
    if not records:
        raise ValueError("a batch needs at least one record")
    stamps = [r[2] if len(r) > 2 else timestamp for r in records]
    base_ts = stamps[0]
    body = b"".join(
        encode_record(i, stamps[i] - base_ts, r[0], r[1], r[3] if len(r) > 3 else ())
        for i, r in enumerate(records)
    )
    n = len(records)
    header = bytearray(
        HEADER.pack(
            base_offset,
            HEADER.size - 12 + len(body),
            partition_leader_epoch,
            2,
            0,
            attributes,
            n - 1,
            base_ts,
            max(stamps),
            producer_id,
            producer_epoch,
            base_sequence,
            n,
        )
    )
    crc = crc32c(memoryview(header)[21:])
    crc = crc32c(body, crc)
    struct.pack_into(">I", header, 17, crc)
    return bytes(header) + body
