"""Versions added to be Kafka 3.7, against a real broker: Produce v0–2 with magic 0/1 message sets
(up-converted), Fetch v0–3 (down-converted to magic 0/1), Fetch v13+ by topic id, ListOffsets v0,
DeleteTopics v6 by id, OffsetFetch v8 batched. Requests and record sets are built and read by
kafka-python (its protocol classes and legacy/default record builders), independent of ours."""

from __future__ import annotations

import struct
import uuid

import pytest
from brokerproc import start_broker
from kafka.protocol.admin import DeleteTopicsRequest
from kafka.protocol.consumer import FetchRequest
from kafka.protocol.metadata import MetadataRequest
from kafka.protocol.producer import ProduceRequest
from kafka.record import MemoryRecords
from kafka.record.legacy_records import LegacyRecordBatchBuilder
from rawclient import RawClient, batch, record_values
from test_protocol_edges import create


@pytest.fixture(scope="module")
def vbroker(tmp_path_factory):
    bp = start_broker(tmp_path_factory.mktemp("versions"))
    assert bp.proc.poll() is None, bp.output()
    yield bp
    assert bp.stop() == 0, bp.output()


@pytest.fixture
def rc(vbroker):
    c = RawClient("127.0.0.1", vbroker.port)
    yield c
    c.close()


def legacy_set(magic: int, values: list[bytes], compression: int = 0) -> bytes:
    b = LegacyRecordBatchBuilder(magic=magic, compression_type=compression, batch_size=1 << 20)
    for i, v in enumerate(values):
        b.append(i, timestamp=1_700_000_000_000 + i if magic else None, key=b"k" + v, value=v)
    return bytes(b.build())


def produce(rc, topic: str, records: bytes, version: int):
    pd = ProduceRequest.TopicProduceData.PartitionProduceData(index=0, records=records, version=version)
    td = ProduceRequest.TopicProduceData(name=topic, partition_data=[pd], version=version)
    req = ProduceRequest(transactional_id=None, acks=1, timeout_ms=5000, topic_data=[td], version=version)
    return rc.request(req, version).responses[0].partition_responses[0]


def fetch(rc, version: int, offset: int = 0, topic: str = "", topic_id: uuid.UUID | None = None):
    fp = FetchRequest.FetchTopic.FetchPartition(
        partition=0, fetch_offset=offset, partition_max_bytes=1 << 20, version=version
    )
    ft = FetchRequest.FetchTopic(topic=topic, topic_id=topic_id, partitions=[fp], version=version)
    req = FetchRequest(
        replica_id=-1, max_wait_ms=0, min_bytes=0, max_bytes=1 << 20, topics=[ft], version=version
    )
    return rc.request(req, version).responses[0]


def messages(data: bytes) -> list[tuple[int, int, int | None, bytes | None, bytes | None]]:
    out, recs = [], MemoryRecords(bytes(data))
    while recs.has_next():
        b = recs.next_batch()
        for r in b:
            out.append((b.magic, r.offset, r.timestamp, r.key, r.value))
    return out


@pytest.mark.parametrize("version, magic, compression", [(0, 0, 0), (1, 0, 1), (2, 1, 0), (2, 1, 1)])
def test_old_producers_message_sets_are_stored_as_v2_and_read_by_every_fetch_version(
    rc, version, magic, compression
):
    topic = f"old-p{version}-m{magic}-c{compression}"
    assert create(rc, topic).error_code == 0
    r = produce(rc, topic, legacy_set(magic, [b"a", b"b", b"c"], compression), version)
    assert (r.error_code, r.base_offset) == (0, 0)
    r = produce(rc, topic, legacy_set(magic, [b"d"], compression), version)
    assert (r.error_code, r.base_offset) == (0, 3)
    # a modern fetcher reads one v2 batch per produce, values and keys intact
    p = fetch(rc, 12, topic=topic).partitions[0]
    assert record_values(p.records) == [(0, b"a"), (1, b"b"), (2, b"c"), (3, b"d")]
    stamp = (lambda i: 1_700_000_000_000 + i) if magic == 1 else (lambda i: -1)
    assert [m[2] for m in messages(p.records)] == [stamp(0), stamp(1), stamp(2), stamp(0)]
    # old fetchers get messages of their magic: v0-1 magic 0, v2-3 magic 1
    for fv in range(4):
        p = fetch(rc, fv, offset=1, topic=topic).partitions[0]
        got = messages(p.records)
        want_magic = 0 if fv <= 1 else 1
        assert [(m[0], m[1], m[3], m[4]) for m in got] == [
            (want_magic, 1, b"kb", b"b"),
            (want_magic, 2, b"kc", b"c"),
            (want_magic, 3, b"kd", b"d"),
        ], fv
        assert p.high_watermark == 4


def test_produce_v3_with_an_old_message_set_is_refused_like_kafka(rc):
    assert create(rc, "old-v3").error_code == 0
    r = produce(rc, "old-v3", legacy_set(1, [b"x"]), 3)
    assert r.error_code == 87  # INVALID_RECORD (v3 answers carry no message)


def test_a_corrupt_old_message_set_is_corrupt_message(rc):
    assert create(rc, "old-crc").error_code == 0
    data = bytearray(legacy_set(1, [b"x"]))
    data[-1] ^= 0xFF
    assert produce(rc, "old-crc", bytes(data), 2).error_code == 2  # CORRUPT_MESSAGE


def test_fetch_by_topic_id_v13_to_16(rc):
    assert create(rc, "by-id").error_code == 0
    assert produce(rc, "by-id", batch([b"one", b"two"]), 9).error_code == 0
    md = rc.request(
        MetadataRequest(topics=[MetadataRequest.MetadataRequestTopic(name="by-id", version=12)], version=12),
        12,
    )
    tid = md.topics[0].topic_id
    for v in (13, 14, 15, 16):
        t = fetch(rc, v, topic_id=tid)
        assert uuid.UUID(str(t.topic_id)) == uuid.UUID(str(tid))
        assert record_values(t.partitions[0].records) == [(0, b"one"), (1, b"two")]
        t = fetch(rc, v, topic_id=uuid.uuid4())
        assert t.partitions[0].error_code == 100  # UNKNOWN_TOPIC_ID
        assert t.partitions[0].records == b""


def list_offsets_v0(rc, topic: str, timestamp: int, max_num: int) -> list[int]:
    """ListOffsets v0 through kafka-python's hand-written v0 classes (its generated ones start at v1)."""
    from kafka.protocol.old.list_offsets import ListOffsetsRequest_v0, ListOffsetsResponse_v0

    body = ListOffsetsRequest_v0(replica_id=-1, topics=[(topic, [(0, timestamp, max_num)])]).encode()
    rc.corr += 1
    head = struct.pack(">hhih", 2, 0, rc.corr, 4) + b"test"
    rc.send_raw(struct.pack(">i", len(head) + len(body)) + head + body)
    frame = rc.recv_frame()
    assert struct.unpack(">i", frame[:4])[0] == rc.corr
    resp = ListOffsetsResponse_v0.decode(frame[4:])
    ((name, parts),) = resp.topics
    ((_, error, offsets),) = parts
    assert (name, error) == (topic, 0)
    return offsets


def test_list_offsets_v0_answers_legacy_offsets(rc):
    assert create(rc, "lo-v0").error_code == 0
    assert produce(rc, "lo-v0", batch([b"1", b"2", b"3"]), 9).error_code == 0
    assert list_offsets_v0(rc, "lo-v0", -1, 10) == [3, 0]  # the log end, then the segment's base
    assert list_offsets_v0(rc, "lo-v0", -2, 10) == [0]
    assert list_offsets_v0(rc, "lo-v0", -1, 1) == [3]


def test_delete_topics_v6_by_topic_id(rc):
    assert create(rc, "del-by-id").error_code == 0
    md = rc.request(
        MetadataRequest(
            topics=[MetadataRequest.MetadataRequestTopic(name="del-by-id", version=12)], version=12
        ),
        12,
    )
    tid = md.topics[0].topic_id
    unknown = uuid.uuid4()
    topics = [
        DeleteTopicsRequest.DeleteTopicState(name=None, topic_id=tid, version=6),
        DeleteTopicsRequest.DeleteTopicState(name=None, topic_id=unknown, version=6),
    ]
    resp = rc.request(DeleteTopicsRequest(topics=topics, timeout_ms=5000, version=6), 6)
    by_id = {uuid.UUID(str(r.topic_id)): r for r in resp.responses}
    assert by_id[uuid.UUID(str(tid))].error_code == 0 and by_id[uuid.UUID(str(tid))].name == "del-by-id"
    assert by_id[unknown].error_code == 100 and by_id[unknown].name is None
