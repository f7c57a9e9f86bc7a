"""Counting records in a RECORDS blob without decoding them.

A blob is a sequence of record batches (magic 2: 61-byte header, record count at offset 57) or
legacy messages (magic 0/1: one record each). Both start with offset i64 + length i32, so a
batch spans 12 + length bytes. A Fetch response may end with a partial batch (the broker cuts at
max bytes); that is normal and counted separately, not an error.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_LEN = struct.Struct(">i")
_COUNT = struct.Struct(">i")


@dataclass(frozen=True)
class RecordCount:
    batches: int
    records: int
    partial_bytes: int  # trailing bytes of an incomplete batch


def count_records(blob: bytes | None) -> RecordCount:
    if not blob:
        return RecordCount(0, 0, 0)
    batches = records = 0
    pos, end = 0, len(blob)
    while pos + 17 <= end:
        (length,) = _LEN.unpack_from(blob, pos + 8)
        if length < 5 or pos + 12 + length > end:
            break
        magic = blob[pos + 16]
        if magic == 2:
            if length < 49:
                break
            (n,) = _COUNT.unpack_from(blob, pos + 57)
            records += max(n, 0)
        else:
            records += 1
        batches += 1
        pos += 12 + length
    return RecordCount(batches, records, end - pos)
