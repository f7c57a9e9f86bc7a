"""Byte formats of the transaction state: `__transaction_state` key/value as Kafka's
TransactionLog writes them, marker control records, and `.txnindex` entries."""

from __future__ import annotations

import struct

from broker.log.batch import BatchHeader
from broker.log.records import iter_records
from broker.txn.control import ABORT, COMMIT, control_type, marker_batch
from broker.txn.log_records import decode, key_of, value_of
from broker.txn.partition_state import read_txn_index
from broker.txn.state import TxnMetadata, TxnState


def test_transaction_log_key_and_value_bytes():
    assert key_of("tx") == b"\x00\x00" + b"\x00\x02tx"  # version 0, int16-length string
    m = TxnMetadata("tx", 7, 3, 60000, TxnState.ONGOING, {("t", 1), ("t", 0), ("u", 2)}, 1000, 900)
    v = value_of(m)
    expected = (
        struct.pack(">hqhib", 0, 7, 3, 60000, 1)
        + struct.pack(">i", 2)  # two topics, partitions grouped and sorted
        + b"\x00\x01t"
        + struct.pack(">iii", 2, 0, 1)
        + b"\x00\x01u"
        + struct.pack(">ii", 1, 2)
        + struct.pack(">qq", 1000, 900)
    )
    assert v == expected
    rec = decode(key_of("tx"), v)
    assert rec.transactional_id == "tx" and rec.value == m
    assert decode(key_of("tx"), None).value is None  # tombstone


def test_marker_batch_is_a_transactional_control_batch():
    raw = marker_batch(5, 2, True, 9)
    h = BatchHeader.parse(raw)
    assert (h.is_control, h.is_transactional, h.producer_id, h.producer_epoch, h.base_sequence) == (
        True,
        True,
        5,
        2,
        -1,
    )
    (rec,) = list(iter_records(raw, h))
    assert rec.key == struct.pack(">hh", 0, COMMIT) and rec.value == struct.pack(">hi", 0, 9)
    assert control_type(raw, h) == COMMIT
    assert control_type(marker_batch(5, 2, False, 0), h) == ABORT


def test_txn_index_entries_are_kafkas_34_bytes(tmp_path):
    p = tmp_path / "00000000000000000000.txnindex"
    p.write_bytes(struct.pack(">hqqqq", 0, 4, 10, 12, 10) + struct.pack(">hqqqq", 0, 5, 20, 25, 20))
    got = read_txn_index(p)
    assert [(a.producer_id, a.first_offset, a.last_offset, a.last_stable_offset) for a in got] == [
        (4, 10, 12, 10),
        (5, 20, 25, 20),
    ]
