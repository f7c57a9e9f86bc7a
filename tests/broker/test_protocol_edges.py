"""Requests at the edges, against a real broker process over loopback. Requests are built with
kafka-python's protocol classes and RecordBatch builder (independent of our codec)."""

from __future__ import annotations

import struct
import threading
import time

import pytest
from brokerproc import start_broker
from kafka.protocol.admin import CreateTopicsRequest, DeleteTopicsRequest, DescribeConfigsRequest
from kafka.protocol.consumer import FetchRequest, ListOffsetsRequest
from kafka.protocol.metadata import ApiVersionsRequest, MetadataRequest
from kafka.protocol.producer import InitProducerIdRequest, ProduceRequest
from rawclient import RawClient, batch, record_values

PV = 8  # Produce version used here
FV = 11  # Fetch version


def produce(
    rc: RawClient, topic: str, records: bytes, *, acks: int = 1, partition: int = 0, version: int = PV
):
    pd = ProduceRequest.TopicProduceData.PartitionProduceData(
        index=partition, records=records, version=version
    )
    td = ProduceRequest.TopicProduceData(name=topic, partition_data=[pd], version=version)
    req = ProduceRequest(transactional_id=None, acks=acks, timeout_ms=5000, topic_data=[td], version=version)
    resp = rc.request(req, version, expect_response=acks != 0)
    return None if resp is None else resp.responses[0].partition_responses[0]


def fetch(
    rc: RawClient, topic: str, offset: int, *, max_wait: int = 0, min_bytes: int = 0, pmax: int = 1 << 20
):
    fp = FetchRequest.FetchTopic.FetchPartition(
        partition=0, fetch_offset=offset, partition_max_bytes=pmax, version=FV
    )
    req = FetchRequest(
        replica_id=-1,
        max_wait_ms=max_wait,
        min_bytes=min_bytes,
        max_bytes=50 << 20,
        isolation_level=0,
        topics=[FetchRequest.FetchTopic(topic=topic, partitions=[fp], version=FV)],
        version=FV,
    )
    return rc.request(req, FV).responses[0].partitions[0]


def list_offset(rc: RawClient, topic: str, ts: int, version: int = 5):
    lp = ListOffsetsRequest.ListOffsetsTopic.ListOffsetsPartition(
        partition_index=0, timestamp=ts, version=version
    )
    req = ListOffsetsRequest(
        replica_id=-1,
        isolation_level=0,
        topics=[ListOffsetsRequest.ListOffsetsTopic(name=topic, partitions=[lp], version=version)],
        version=version,
    )
    return rc.request(req, version).topics[0].partitions[0]


def create(rc: RawClient, name: str, partitions: int = 1, configs: dict | None = None):
    cfgs = [
        CreateTopicsRequest.CreatableTopic.CreatableTopicConfig(name=k, value=v, version=5)
        for k, v in (configs or {}).items()
    ]
    t = CreateTopicsRequest.CreatableTopic(
        name=name, num_partitions=partitions, replication_factor=1, assignments=[], configs=cfgs, version=5
    )
    return rc.request(
        CreateTopicsRequest(topics=[t], timeout_ms=5000, validate_only=False, version=5), 5
    ).topics[0]


@pytest.fixture(scope="module")
def edge_broker(tmp_path_factory):
    bp = start_broker(tmp_path_factory.mktemp("edges"), ["message.max.bytes=20000"])
    assert bp.proc.poll() is None, bp.output()
    yield bp
    assert bp.stop() == 0, bp.output()


@pytest.fixture
def rc(edge_broker):
    c = RawClient("127.0.0.1", edge_broker.port)
    yield c
    c.close()


def still_serving(bp) -> bool:
    c = RawClient("127.0.0.1", bp.port)
    try:
        return c.request(ApiVersionsRequest(version=0), 0).error_code == 0
    finally:
        c.close()


def test_api_versions_unsupported_version_downgrade(rc):
    rc.corr += 1
    # ApiVersions v9 (does not exist yet): header v2 + empty body
    hdr = struct.pack(">hhih", 18, 9, rc.corr, 3) + b"cli" + b"\x00"
    rc.send_raw(struct.pack(">i", len(hdr)) + hdr)
    frame = rc.recv_frame()
    corr, err, n = struct.unpack_from(">ihi", frame, 0)
    assert (corr, err, n) == (rc.corr, 35, 1)  # UNSUPPORTED_VERSION, v0 body, one entry
    assert struct.unpack_from(">hhh", frame, 10) == (18, 0, 3)
    assert len(frame) == 16
    resp = rc.request(ApiVersionsRequest(client_software_name="t", client_software_version="1", version=3), 3)
    ranges = {k.api_key: (k.min_version, k.max_version) for k in resp.api_keys}
    # librdkafka 2.0.2 feature gates (kafka.md): Produce ∋ 3, Fetch ∋ 4, ListOffsets ∋ 1
    assert (
        ranges[0][0] <= 3 <= ranges[0][1]
        and ranges[1][0] <= 4 <= ranges[1][1]
        and ranges[2][0] <= 1 <= ranges[2][1]
    )
    assert ranges[18] == (0, 3) and ranges[22] == (0, 4)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", id="http-request"),
        pytest.param(struct.pack(">i", -5), id="negative-size"),
        pytest.param(struct.pack(">i", 5) + b"\x00\x03\x00\x01\x00", id="truncated-header"),
        pytest.param(
            struct.pack(">i", 10) + struct.pack(">hhi", 999, 0, 1) + b"\x00\x00", id="unknown-api-key"
        ),
        pytest.param(struct.pack(">i", 10) + struct.pack(">hhih", 3, 99, 1, -1), id="unsupported-version"),
        pytest.param(
            struct.pack(">i", 14) + struct.pack(">hhih", 0, 7, 1, -1) + b"\xff\xff\xff\x7f", id="garbage-body"
        ),
    ],
)
def test_bad_input_closes_that_connection_only(edge_broker, rc, payload):
    rc.send_raw(payload)
    assert rc.closed_by_peer()
    assert still_serving(edge_broker)


def test_oversize_frame_logged_like_kafka(edge_broker, rc):
    rc.send_raw(b"GET / HTTP/1.1\r\n")
    assert rc.closed_by_peer()
    out = edge_broker.output()
    assert "Unexpected error from /127.0.0.1 (channelId=" in out
    assert (
        "org.apache.kafka.common.network.InvalidReceiveException: Invalid receive "
        "(size = 1195725856 larger than 104857600)"
    ) in out


def test_truncated_frame_then_disconnect(edge_broker):
    c = RawClient("127.0.0.1", edge_broker.port)
    c.send_raw(struct.pack(">i", 1000) + b"\x00\x03\x00\x01")
    c.close()
    assert still_serving(edge_broker)


def test_corrupt_batch_refused_and_nothing_stored(rc):
    good = bytearray(batch([b"a", b"b"]))
    assert create(rc, "crc").error_code == 0
    bad = bytearray(good)
    bad[-1] ^= 0xFF  # flip a payload byte: the CRC no longer matches
    r = produce(rc, "crc", bytes(bad))
    assert r.error_code == 2  # CORRUPT_MESSAGE
    assert list_offset(rc, "crc", -1).offset == 0
    truncated = bytes(good[:-3])
    assert produce(rc, "crc", truncated).error_code == 2
    r = produce(rc, "crc", bytes(good))
    assert (r.error_code, r.base_offset) == (0, 0)


def test_oversize_batch_message_too_large(rc):
    big = batch([b"x" * 30000])  # message.max.bytes=20000 on this broker
    assert produce(rc, "big", big).error_code == 3  # Produce never creates topics: UNKNOWN_TOPIC_OR_PARTITION
    create(rc, "big")
    assert produce(rc, "big", big).error_code == 10
    assert produce(rc, "big", batch([b"x" * 100])).error_code == 0


def test_acks_zero_gets_no_response_and_order_is_kept(rc):
    create(rc, "acks0")
    assert produce(rc, "acks0", batch([b"fire"]), acks=0) is None
    r = produce(rc, "acks0", batch([b"and-forget"]), acks=1)  # the next response is this one's
    assert (r.error_code, r.base_offset) == (0, 1)
    assert produce(rc, "acks0", batch([b"bad"]), acks=2).error_code == 21  # INVALID_REQUIRED_ACKS
    r = produce(rc, "acks0", batch([b"all"]), acks=-1)
    assert (r.error_code, r.base_offset) == (0, 2)


def test_failed_acks_zero_produce_closes_the_connection(edge_broker, rc):
    bad = bytearray(batch([b"x"]))
    bad[-1] ^= 1
    create(rc, "acks0-bad")
    assert produce(rc, "acks0-bad", bytes(bad), acks=0) is None
    assert rc.closed_by_peer()  # Kafka's way of telling an acks=0 producer that something failed
    assert "acks=0 produce failed for acks0-bad-0: CORRUPT_MESSAGE" in edge_broker.output()


def test_idempotent_producer_sequences(rc):
    ip = rc.request(InitProducerIdRequest(transactional_id=None, transaction_timeout_ms=60000, version=1), 1)
    assert ip.error_code == 0 and ip.producer_id >= 0
    pid = ip.producer_id
    create(rc, "idem")
    b0 = batch([b"s0", b"s1"], producer_id=pid, epoch=0, base_sequence=0)
    assert produce(rc, "idem", b0).base_offset == 0
    again = produce(rc, "idem", b0)  # a retry: same sequence range → original offset, nothing stored
    assert (again.error_code, again.base_offset) == (0, 0)
    assert list_offset(rc, "idem", -1).offset == 2
    gap = produce(rc, "idem", batch([b"s5"], producer_id=pid, epoch=0, base_sequence=5))
    assert gap.error_code == 45  # OUT_OF_ORDER_SEQUENCE_NUMBER
    ok = produce(rc, "idem", batch([b"s2"], producer_id=pid, epoch=0, base_sequence=2))
    assert (ok.error_code, ok.base_offset) == (0, 2)
    bumped = produce(rc, "idem", batch([b"e1"], producer_id=pid, epoch=1, base_sequence=0))
    assert bumped.error_code == 0
    fenced = produce(rc, "idem", batch([b"old"], producer_id=pid, epoch=0, base_sequence=3))
    assert fenced.error_code == 47  # INVALID_PRODUCER_EPOCH
    unknown = produce(rc, "idem", batch([b"?"], producer_id=pid + 1000, epoch=0, base_sequence=7))
    assert unknown.error_code == 45
    nxt = rc.request(InitProducerIdRequest(transactional_id=None, transaction_timeout_ms=60000, version=1), 1)
    assert nxt.producer_id != pid


def test_transactional_ids_refused(rc):
    ip = rc.request(
        InitProducerIdRequest(transactional_id="tx-1", transaction_timeout_ms=60000, version=1), 1
    )
    assert ip.error_code != 0


def test_fetch_serves_stored_batches_as_they_are(rc):
    b = batch([b"one", b"two", b"three"], key=b"k")
    create(rc, "asis")
    produce(rc, "asis", b)
    p = fetch(rc, "asis", 0)
    assert p.error_code == 0 and p.high_watermark == 3
    raw = bytes(p.records)
    assert raw[8:] == b[8:] and struct.unpack(">q", raw[:8])[0] == 0  # only BaseOffset is assigned
    assert record_values(raw) == [(0, b"one"), (1, b"two"), (2, b"three")]
    assert fetch(rc, "asis", 4).error_code == 1  # OFFSET_OUT_OF_RANGE


def test_fetch_long_poll_woken_by_append(edge_broker, rc):
    create(rc, "poll")
    produce(rc, "poll", batch([b"first"]))
    result = {}

    def waiter():
        c = RawClient("127.0.0.1", edge_broker.port)
        t0 = time.monotonic()
        result["p"] = fetch(c, "poll", 1, max_wait=10_000, min_bytes=1)
        result["s"] = time.monotonic() - t0
        c.close()

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.3)
    assert t.is_alive()  # nothing to return yet: it is waiting
    produce(rc, "poll", batch([b"second"]))
    t.join(15)
    assert not t.is_alive()
    assert record_values(bytes(result["p"].records)) == [(1, b"second")]
    assert result["s"] < 10  # woken by the append, not by max_wait
    t0 = time.monotonic()
    empty = fetch(rc, "poll", 2, max_wait=300, min_bytes=1)
    assert time.monotonic() - t0 >= 0.25 and (empty.records is None or len(empty.records) == 0)


def test_list_offsets_by_timestamp(rc):
    create(rc, "ts")
    produce(rc, "ts", batch([b"a", b"b", b"c"], timestamp=1000))  # timestamps 1000, 1001, 1002
    produce(rc, "ts", batch([b"d"], timestamp=5000))
    assert list_offset(rc, "ts", -2).offset == 0
    assert list_offset(rc, "ts", -1).offset == 4
    hit = list_offset(rc, "ts", 1001)
    assert (hit.offset, hit.timestamp) == (1, 1001)
    assert list_offset(rc, "ts", 3000).offset == 3
    assert list_offset(rc, "ts", 9999).offset == -1
    produce(rc, "ts", batch([b"e", b"f"], timestamp=4000))  # not the largest any more
    mx = list_offset(rc, "ts", -3, version=7)  # MAX_TIMESTAMP (v7+)
    assert (mx.error_code, mx.offset, mx.timestamp) == (0, 3, 5000)
    assert list_offset(rc, "ts", -3, version=6).error_code == 35  # unknown spec at v6
    assert list_offset(rc, "ts", -4, version=8).offset == 0  # EARLIEST_LOCAL: the log start here


def test_metadata_auto_create_and_errors(rc):
    T = MetadataRequest.MetadataRequestTopic
    md = rc.request(
        MetadataRequest(topics=[T(name="auto-made", version=9)], allow_auto_topic_creation=True, version=9), 9
    )
    assert md.topics[0].error_code == 0 and len(md.topics[0].partitions) == 1
    md = rc.request(
        MetadataRequest(topics=[T(name="not-made", version=9)], allow_auto_topic_creation=False, version=9), 9
    )
    assert md.topics[0].error_code == 3
    md = rc.request(MetadataRequest(topics=[T(name="bad name!", version=9)], version=9), 9)
    assert md.topics[0].error_code == 17


def test_create_delete_describe_topics(rc):
    assert create(rc, "made", 3, {"retention.ms": "60000"}).error_code == 0
    dup = create(rc, "made")
    assert dup.error_code == 36 and dup.error_message == "Topic 'made' already exists."
    assert create(rc, "bad/name").error_code == 17
    assert create(rc, "badcfg", configs={"no.such.config": "1"}).error_code == 40
    res = DescribeConfigsRequest.DescribeConfigsResource(
        resource_type=2, resource_name="made", configuration_keys=None, version=1
    )
    dc = rc.request(DescribeConfigsRequest(resources=[res], include_synonyms=False, version=1), 1)
    cfg = {c.name: (c.value, c.config_source) for c in dc.results[0].configs}
    assert cfg["retention.ms"] == ("60000", 1) and cfg["max.message.bytes"] == ("20000", 4)
    res = DescribeConfigsRequest.DescribeConfigsResource(
        resource_type=4, resource_name="1", configuration_keys=["num.partitions"], version=1
    )
    dc = rc.request(DescribeConfigsRequest(resources=[res], include_synonyms=False, version=1), 1)
    assert [(c.name, c.value) for c in dc.results[0].configs] == [("num.partitions", "1")]
    resp = rc.request(DeleteTopicsRequest(topic_names=["made", "never-was"], timeout_ms=5000, version=4), 4)
    assert [(r.name, r.error_code) for r in resp.responses] == [("made", 0), ("never-was", 3)]
    md = rc.request(MetadataRequest(topics=None, version=1), 1)
    assert "made" not in [t.name for t in md.topics]


def test_clients_cannot_write_internal_topics(rc):
    assert create(rc, "__consumer_offsets", 1).error_code == 0
    r = produce(rc, "__consumer_offsets", batch([b"forged"]))
    assert (r.error_code, r.error_message) == (17, "Cannot append to internal topic __consumer_offsets")
    assert create(rc, "__user_topic", 1).error_code == 0  # a leading "__" alone does not make it internal
    assert produce(rc, "__user_topic", batch([b"fine"])).error_code == 0
