"""`__transaction_state` records in Kafka's TransactionLogKey / TransactionLogValue formats
(kafka.coordinator.transaction.TransactionLog), and reading them back.

Key   (int16 version 0): transactional id string.
Value (int16 version 0): producer id int64, producer epoch int16, timeout ms int32, state int8,
      partitions [topic string, partition ids [int32]] (nullable), last update ms int64,
      start ms int64. A null value is a tombstone (an expired transactional id).
The partition of a transactional id is abs(javaStringHashCode(id)) % N, as for groups.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from ..group.partitioning import partition_for
from ..log.batch import iter_batches
from ..log.records import iter_records
from ..protocol.schema import INT8, INT16, INT32, INT64, STRING, Array, F, Message, Struct
from .state import TxnMetadata, TxnState

TXN_TOPIC = "__transaction_state"
DEFAULT_NUM_PARTITIONS = 50  # transaction.state.log.num.partitions
KEY_VERSION = 0
VALUE_VERSION = 0

_KEY = Message(Struct(F("transactional_id", STRING)))
_VALUE = Message(
    Struct(
        F("producer_id", INT64),
        F("producer_epoch", INT16),
        F("transaction_timeout_ms", INT32),
        F("transaction_status", INT8),
        F(
            "transaction_partitions",
            Array(Struct(F("topic", STRING), F("partition_ids", Array(INT32)))),
            null=0,
        ),
        F("transaction_last_update_timestamp_ms", INT64),
        F("transaction_start_timestamp_ms", INT64),
    ),
    first_flexible=1,
)
_I16 = struct.Struct(">h")


class TxnRecordError(ValueError):
    """A record of `__transaction_state` we cannot read (wrong version or truncated)."""


def txn_partition(transactional_id: str, num_partitions: int) -> int:
    return partition_for(transactional_id, num_partitions)


def key_of(transactional_id: str) -> bytes:
    return _I16.pack(KEY_VERSION) + _KEY.to_bytes({"transactional_id": transactional_id}, KEY_VERSION)


def value_of(m: TxnMetadata) -> bytes:
    by_topic: dict[str, list[int]] = {}
    for t, p in sorted(m.partitions):
        by_topic.setdefault(t, []).append(p)
    body = {
        "producer_id": m.producer_id,
        "producer_epoch": m.producer_epoch,
        "transaction_timeout_ms": m.timeout_ms,
        "transaction_status": int(m.state),
        "transaction_partitions": [{"topic": t, "partition_ids": ps} for t, ps in by_topic.items()],
        "transaction_last_update_timestamp_ms": m.last_update_ms,
        "transaction_start_timestamp_ms": m.start_ms,
    }
    return _I16.pack(VALUE_VERSION) + _VALUE.to_bytes(body, VALUE_VERSION)


@dataclass
class TxnRecord:
    transactional_id: str
    value: TxnMetadata | None  # None = tombstone


def decode(key: bytes, value: bytes | None) -> TxnRecord:
    if len(key) < 2 or _I16.unpack_from(key)[0] != KEY_VERSION:
        raise TxnRecordError("transaction log key without version 0")
    tid = _KEY.from_bytes(key[2:], KEY_VERSION)["transactional_id"]
    if value is None:
        return TxnRecord(tid, None)
    vv = _I16.unpack_from(value)[0]
    if vv not in (0, 1):
        raise TxnRecordError(f"transaction log value version {vv} is unknown")
    v = _VALUE.from_bytes(value[2:], vv)
    parts = {(t["topic"], p) for t in v["transaction_partitions"] or [] for p in t["partition_ids"]}
    return TxnRecord(
        tid,
        TxnMetadata(
            tid,
            v["producer_id"],
            v["producer_epoch"],
            v["transaction_timeout_ms"],
            TxnState(v["transaction_status"]),
            parts,
            v["transaction_last_update_timestamp_ms"],
            v["transaction_start_timestamp_ms"],
        ),
    )


def read_partition(plog, chunk: int = 1 << 20) -> Iterator[TxnRecord]:
    """Every record of one `__transaction_state` partition, oldest first."""
    offset, end = plog.log_start_offset, plog.log_end_offset
    while offset < end:
        data = plog.read(offset, chunk, min_one=True)
        if not data:
            break
        last = offset
        for header, raw in iter_batches(data, verify_crc=True):
            if header.next_offset <= offset:
                continue
            last = header.next_offset
            if header.is_control:
                continue
            for rec in iter_records(raw, header):
                if rec.offset >= offset and rec.key is not None:
                    yield decode(rec.key, rec.value)
        if last <= offset:
            break
        offset = last
