"""Transaction markers: the control batches that end a transaction in each of its partitions
(Kafka's EndTransactionMarker and MemoryRecords.withEndTransactionMarker).

A marker batch: attributes transactional | control, the producer's id and epoch, base sequence
-1, one record whose key is (version int16 0, type int16: 0 ABORT, 1 COMMIT) and whose value is
(version int16 0, coordinator epoch int32).
"""

from __future__ import annotations

import struct
import time

from ..log.batch import ATTR_CONTROL, ATTR_TRANSACTIONAL, BatchHeader, CorruptRecordError
from ..log.builder import build_batch
from ..log.records import iter_records

ABORT, COMMIT = 0, 1
_KEY = struct.Struct(">hh")
_VALUE = struct.Struct(">hi")


def marker_batch(producer_id: int, producer_epoch: int, commit: bool, coordinator_epoch: int) -> bytes:
    key = _KEY.pack(0, COMMIT if commit else ABORT)
    value = _VALUE.pack(0, coordinator_epoch)
    return build_batch(
        [(key, value)],
        timestamp=int(time.time() * 1000),
        producer_id=producer_id,
        producer_epoch=producer_epoch,
        base_sequence=-1,
        attributes=ATTR_TRANSACTIONAL | ATTR_CONTROL,
    )


def control_type(raw, h: BatchHeader) -> int | None:
    """ABORT or COMMIT of a control batch, None if it is not a transaction marker."""
    try:
        for rec in iter_records(raw, h):
            if rec.key is not None and len(rec.key) >= 4:
                t = _KEY.unpack_from(rec.key)[1]
                return t if t in (ABORT, COMMIT) else None
    except CorruptRecordError:
        return None
    return None
