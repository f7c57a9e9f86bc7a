"""Produce checks added with the storage/cluster follow-ups: one batch per partition (v3+),
error mapping of the log's refusals."""

from __future__ import annotations

from kafka.protocol.producer import ProduceRequest
from rawclient import RawClient, batch

INVALID_RECORD = 87


def _produce(rc: RawClient, topic: str, records: bytes) -> object:
    pd = ProduceRequest.TopicProduceData.PartitionProduceData(index=0, records=records, version=8)
    td = ProduceRequest.TopicProduceData(name=topic, partition_data=[pd], version=8)
    req = ProduceRequest(transactional_id=None, acks=1, timeout_ms=5000, topic_data=[td], version=8)
    return rc.request(req, 8).responses[0].partition_responses[0]


def test_two_batches_in_one_partition_are_invalid_record(broker):
    from kafka.protocol.metadata import MetadataRequest

    rc = RawClient("127.0.0.1", broker.port)
    try:
        rc.request(MetadataRequest[4](topics=["two"], allow_auto_topic_creation=True), 4)  # auto-create
        one = _produce(rc, "two", batch([b"a"]))
        assert one.error_code == 0 and one.base_offset == 0
        two = _produce(rc, "two", batch([b"b"]) + batch([b"c"]))
        assert (
            two.error_code == INVALID_RECORD and "exactly one record batch per partition" in two.error_message
        )
        three = _produce(rc, "two", batch([b"d", b"e"]))
        assert three.error_code == 0 and three.base_offset == 1  # nothing of the refused request was stored
    finally:
        rc.close()
