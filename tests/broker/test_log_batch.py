"""RecordBatch v2 parsing and validation against batches built by kafka-python."""

from __future__ import annotations

import pytest
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder

from broker.log.batch import HEADER_SIZE, CorruptRecordError, iter_batches, set_base_offset
from broker.log.builder import build_batch
from broker.log.records import iter_records


def kp_batch(values, *, ts=1_700_000_000_000, key=None, producer_id=-1, epoch=-1, seq=-1, codec=0) -> bytes:
    b = DefaultRecordBatchBuilder(2, codec, False, producer_id, epoch, seq, 1 << 20)
    for i, v in enumerate(values):
        b.append(i, ts + i, key, v, [("trace", b"1")] if key else [])
    return bytes(b.build())


def test_headers_match_kafka_python():
    raw = kp_batch([b"a", b"bb", b"ccc"], producer_id=42, epoch=3, seq=7)
    ((h, view),) = list(iter_batches(raw, verify_crc=True))
    ref = DefaultRecordBatch(raw)
    assert bytes(view) == raw
    assert (h.base_offset, h.size, h.records_count, h.last_offset_delta) == (0, len(raw), 3, 2)
    assert (h.producer_id, h.producer_epoch, h.base_sequence, h.last_sequence) == (42, 3, 7, 9)
    assert (h.crc, h.base_timestamp, h.max_timestamp) == (ref.crc, ref.first_timestamp, ref.max_timestamp)
    assert h.compression_name == "none" and h.timestamp_type == "CreateTime"
    assert not h.is_transactional and not h.is_control


def test_blob_with_several_batches_is_split():
    blob = kp_batch([b"x"]) + kp_batch([b"y", b"z"]) + kp_batch([b"w"] * 5)
    counts = [h.records_count for h, _ in iter_batches(blob, verify_crc=True)]
    assert counts == [1, 2, 5]


def test_rewriting_base_offset_keeps_crc_valid():
    raw = bytearray(kp_batch([b"v1", b"v2"]))
    set_base_offset(raw, 0, 123456789)
    ((h, _),) = list(iter_batches(raw, verify_crc=True))
    assert h.base_offset == 123456789
    assert DefaultRecordBatch(bytes(raw)).validate_crc()
    assert [r.offset for r in iter_records(raw)] == [123456789, 123456790]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda b: b[:-1], "truncated batch"),
        (lambda b: b[:10], "truncated batch"),
        (lambda b: b[:16] + b"\x01" + b[17:], "magic 1"),
        (lambda b: b[:-1] + bytes([b[-1] ^ 0x01]), "fails its CRC"),
        (lambda b: b[:8] + (20).to_bytes(4, "big") + b[12:], "below the v2 minimum"),
        (lambda b: b"", "empty records"),
    ],
)
def test_corruption_is_refused_with_a_reason(mutate, message):
    raw = kp_batch([b"hello", b"world"])
    with pytest.raises(CorruptRecordError, match=message):
        list(iter_batches(mutate(raw), verify_crc=True))


def test_own_builder_is_byte_identical_to_kafka_python():
    b = DefaultRecordBatchBuilder(2, 0, False, -1, -1, -1, 1 << 20)
    b.append(0, 1000, None, b"world", [])
    b.append(1, 1004, b"key", b"", [("h", b"x"), ("n", None)])
    ours = build_batch(
        [(None, b"world", 1000), (b"key", b"", 1004, [("h", b"x"), ("n", None)])], partition_leader_epoch=0
    )
    assert ours == bytes(b.build())
    assert len(ours) > HEADER_SIZE


def test_records_decode_with_gzip():
    raw = kp_batch([b"payload-%d" % i for i in range(10)], codec=1, key=b"k")
    ((h, _),) = list(iter_batches(raw, verify_crc=True))
    assert h.compression_name == "gzip"
    recs = list(iter_records(raw))
    assert [r.value for r in recs] == [b"payload-%d" % i for i in range(10)]
    assert recs[3].key == b"k" and recs[3].headers == [("trace", b"1")]
    assert [r.timestamp for r in recs] == [1_700_000_000_000 + i for i in range(10)]
