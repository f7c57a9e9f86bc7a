"""Our declarative codec against an independent implementation: kafka-python 3's protocol classes
(generated from Kafka's own message schemas). Requests are encoded by kafka-python and decoded by
us; responses are encoded by us and decoded by kafka-python; every version we advertise."""

from __future__ import annotations

import uuid

import pytest
from kafka.protocol.admin import (
    CreateTopicsRequest,
    CreateTopicsResponse,
    DeleteTopicsRequest,
    DeleteTopicsResponse,
    DescribeConfigsRequest,
    DescribeConfigsResponse,
)
from kafka.protocol.consumer import FetchRequest, FetchResponse, ListOffsetsRequest, ListOffsetsResponse
from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse
from kafka.protocol.producer import (
    InitProducerIdRequest,
    InitProducerIdResponse,
    ProduceRequest,
    ProduceResponse,
)

from broker.protocol.header import read_request_header
from broker.protocol.schema import INT32, STRING, Array, F, Message, Struct
from broker.protocol.types import DecodeError, Reader, Writer, encode_uvarint
from broker.registry import discover

REG = discover()


def _decode_ours(key: int, data: bytes, version: int):
    api = REG.get(key)
    r = Reader(bytes(data))
    hdr = read_request_header(r, api.request_flexible(version))
    body = api.request.decode(r, version)
    assert r.remaining() == 0, f"{api.name} v{version}: {r.remaining()} bytes left undecoded"
    return hdr, body


def _versions(key: int):
    api = REG.get(key)
    return range(api.min_version, api.max_version + 1)


def _ours_to_theirs(key: int, body: dict, version: int, cls):
    return cls.decode(REG.get(key).response.to_bytes(body, version), version=version).to_dict()


@pytest.mark.parametrize("version", _versions(3))
def test_metadata_both_ways(version):
    topics = [MetadataRequest.MetadataRequestTopic(name="orders", version=version)]
    req = MetadataRequest(topics=topics, allow_auto_topic_creation=False, version=version)
    req.with_header(correlation_id=41, client_id="rdkafka")
    hdr, body = _decode_ours(3, req.encode(header=True), version)
    assert (hdr.api_key, hdr.api_version, hdr.correlation_id, hdr.client_id) == (3, version, 41, "rdkafka")
    assert body["topics"][0]["name"] == "orders"
    assert body["allow_auto_topic_creation"] is (False if version >= 4 else True)
    tid = uuid.uuid4()
    resp = {
        "brokers": [{"node_id": 1, "host": "broker-1", "port": 29092, "rack": None}],
        "cluster_id": "abc",
        "controller_id": 1,
        "topics": [
            {
                "error_code": 0,
                "name": "orders",
                "topic_id": tid,
                "is_internal": False,
                "partitions": [
                    {
                        "error_code": 0,
                        "partition_index": 0,
                        "leader_id": 1,
                        "leader_epoch": 3,
                        "replica_nodes": [1],
                        "isr_nodes": [1],
                        "offline_replicas": [],
                    }
                ],
            }
        ],
    }
    got = _ours_to_theirs(3, resp, version, MetadataResponse)
    assert got["brokers"][0]["host"] == "broker-1" and got["brokers"][0]["port"] == 29092
    if version >= 1:
        assert got["brokers"][0]["rack"] is None
    p = got["topics"][0]["partitions"][0]
    assert (p["leader_id"], p["replica_nodes"], p["isr_nodes"]) == (1, [1], [1])
    if version >= 7:
        assert p["leader_epoch"] == 3
    if version >= 10:
        assert uuid.UUID(str(got["topics"][0]["topic_id"])) == tid
    if version >= 2:
        assert got["cluster_id"] == "abc"


def test_metadata_null_topics_means_all():
    req = MetadataRequest(topics=None, version=1)
    req.with_header(correlation_id=1)
    _, body = _decode_ours(3, req.encode(header=True), 1)
    assert body["topics"] is None


@pytest.mark.parametrize("version", _versions(18))
def test_api_versions_both_ways(version):
    req = ApiVersionsRequest(
        client_software_name="kafka-python", client_software_version="3.0.12", version=version
    )
    req.with_header(correlation_id=5)
    _, body = _decode_ours(18, req.encode(header=True), version)
    if version >= 3:
        assert body["client_software_name"] == "kafka-python"
    resp = {
        "error_code": 0,
        "api_keys": [
            {"api_key": k, "min_version": lo, "max_version": hi} for k, lo, hi in REG.version_ranges()
        ],
        "throttle_time_ms": 0,
    }
    got = _ours_to_theirs(18, resp, version, ApiVersionsResponse)
    keys = {k["api_key"]: (k["min_version"], k["max_version"]) for k in got["api_keys"]}
    assert keys[0] == (0, 10) and keys[1] == (0, 16) and keys[18] == (0, 3)


@pytest.mark.parametrize("version", _versions(0))
def test_produce_both_ways(version):
    records = b"\x00" * 61 + b"batch-bytes"
    pd = ProduceRequest.TopicProduceData.PartitionProduceData(index=2, records=records, version=version)
    td = ProduceRequest.TopicProduceData(name="t", partition_data=[pd], version=version)
    req = ProduceRequest(transactional_id=None, acks=-1, timeout_ms=30000, topic_data=[td], version=version)
    req.with_header(correlation_id=9)
    _, body = _decode_ours(0, req.encode(header=True), version)
    assert body["acks"] == -1 and body["timeout_ms"] == 30000
    if version >= 3:  # v0-2 have no transactional id (the handler reads it as null there)
        assert body["transactional_id"] is None
    part = body["topic_data"][0]["partition_data"][0]
    assert part["index"] == 2 and bytes(part["records"]) == records
    assert isinstance(part["records"], memoryview)  # zero copy: a view into the request
    resp = {
        "responses": [
            {
                "name": "t",
                "partition_responses": [
                    {
                        "index": 2,
                        "error_code": 0,
                        "base_offset": 1234,
                        "log_append_time_ms": -1,
                        "log_start_offset": 0,
                        "error_message": None,
                    }
                ],
            }
        ],
        "throttle_time_ms": 0,
    }
    got = _ours_to_theirs(0, resp, version, ProduceResponse)
    pr = got["responses"][0]["partition_responses"][0]
    assert (pr["index"], pr["error_code"], pr["base_offset"]) == (2, 0, 1234)


@pytest.mark.parametrize("version", _versions(1))
def test_fetch_both_ways(version):
    fp = FetchRequest.FetchTopic.FetchPartition(
        partition=0, fetch_offset=77, partition_max_bytes=1 << 20, version=version
    )
    tid = uuid.uuid4()
    ft = FetchRequest.FetchTopic(topic="t", topic_id=tid, partitions=[fp], version=version)
    req = FetchRequest(
        replica_id=-1,
        max_wait_ms=500,
        min_bytes=1,
        max_bytes=50 << 20,
        isolation_level=0,
        topics=[ft],
        version=version,
    )
    req.with_header(correlation_id=3)
    _, body = _decode_ours(1, req.encode(header=True), version)
    assert body["max_wait_ms"] == 500 and body["min_bytes"] == 1
    p = body["topics"][0]["partitions"][0]
    assert (p["fetch_offset"], p["partition_max_bytes"]) == (77, 1 << 20)
    if version >= 13:  # topics by id (KIP-516)
        assert uuid.UUID(str(body["topics"][0]["topic_id"])) == tid
    else:
        assert body["topics"][0]["topic"] == "t"
    records = b"opaque-record-batches" * 10
    resp = {
        "throttle_time_ms": 0,
        "error_code": 0,
        "session_id": 0,
        "responses": [
            {
                "topic": "t",
                "topic_id": tid,
                "partitions": [
                    {
                        "partition_index": 0,
                        "error_code": 0,
                        "high_watermark": 99,
                        "last_stable_offset": 99,
                        "log_start_offset": 0,
                        "aborted_transactions": None,
                        "records": memoryview(records),
                    }
                ],
            }
        ],
    }
    raw = REG.get(1).response.to_bytes(resp, version)
    assert records in raw  # the batches travel as they are
    got = FetchResponse.decode(raw, version=version).to_dict()
    gp = got["responses"][0]["partitions"][0]
    assert gp["high_watermark"] == 99
    if version >= 13:
        assert uuid.UUID(str(got["responses"][0]["topic_id"])) == tid
    else:
        assert got["responses"][0]["topic"] == "t"


def test_list_offsets_v0_both_ways():
    """v0 (legacy offsets) is outside kafka-python's generated schemas: its hand-written classes."""
    from kafka.protocol.old.list_offsets import ListOffsetsRequest_v0, ListOffsetsResponse_v0

    req = ListOffsetsRequest_v0(replica_id=-1, topics=[("t", [(0, -1, 5)])])
    data = _old_request_bytes(req, 2, 0)
    _, body = _decode_ours(2, data, 0)
    p = body["topics"][0]["partitions"][0]
    assert (p["partition_index"], p["timestamp"], p["max_num_offsets"]) == (0, -1, 5)
    resp = {
        "topics": [
            {
                "name": "t",
                "partitions": [{"partition_index": 0, "error_code": 0, "old_style_offsets": [9, 0]}],
            }
        ]
    }
    got = ListOffsetsResponse_v0.decode(REG.get(2).response.to_bytes(resp, 0))
    assert got.topics[0][1][0][2] == [9, 0]


def _old_request_bytes(req, key: int, version: int) -> bytes:
    """A request header (v1: key, version, correlation id, client id) + an old-style body."""
    import struct

    client = b"rdkafka"
    return struct.pack(">hhih", key, version, 3, len(client)) + client + req.encode()


@pytest.mark.parametrize("version", range(max(1, REG.get(2).min_version), REG.get(2).max_version + 1))
def test_list_offsets_both_ways(version):
    lp = ListOffsetsRequest.ListOffsetsTopic.ListOffsetsPartition(
        partition_index=0, timestamp=-2, version=version
    )
    lt = ListOffsetsRequest.ListOffsetsTopic(name="t", partitions=[lp], version=version)
    req = ListOffsetsRequest(replica_id=-1, isolation_level=0, topics=[lt], version=version)
    req.with_header(correlation_id=3)
    _, body = _decode_ours(2, req.encode(header=True), version)
    assert body["topics"][0]["partitions"][0]["timestamp"] == -2
    resp = {
        "topics": [
            {
                "name": "t",
                "partitions": [
                    {"partition_index": 0, "error_code": 0, "timestamp": -1, "offset": 42, "leader_epoch": 0}
                ],
            }
        ]
    }
    got = _ours_to_theirs(2, resp, version, ListOffsetsResponse)
    assert got["topics"][0]["partitions"][0]["offset"] == 42


@pytest.mark.parametrize("version", _versions(22))
def test_init_producer_id_both_ways(version):
    req = InitProducerIdRequest(transactional_id=None, transaction_timeout_ms=60000, version=version)
    req.with_header(correlation_id=3)
    _, body = _decode_ours(22, req.encode(header=True), version)
    assert body["transactional_id"] is None and body["transaction_timeout_ms"] == 60000
    got = _ours_to_theirs(
        22, {"error_code": 0, "producer_id": 7, "producer_epoch": 1}, version, InitProducerIdResponse
    )
    assert (got["producer_id"], got["producer_epoch"]) == (7, 1)


@pytest.mark.parametrize("version", _versions(19))
def test_create_topics_both_ways(version):
    ct = CreateTopicsRequest.CreatableTopic(
        name="new", num_partitions=3, replication_factor=1, assignments=[], configs=[], version=version
    )
    req = CreateTopicsRequest(topics=[ct], timeout_ms=1000, validate_only=False, version=version)
    req.with_header(correlation_id=3)
    _, body = _decode_ours(19, req.encode(header=True), version)
    assert body["topics"][0]["name"] == "new" and body["topics"][0]["num_partitions"] == 3
    got = _ours_to_theirs(
        19,
        {"topics": [{"name": "new", "error_code": 36, "error_message": "exists"}]},
        version,
        CreateTopicsResponse,
    )
    assert got["topics"][0]["error_code"] == 36


@pytest.mark.parametrize("version", _versions(20))
def test_delete_topics_both_ways(version):
    tid = uuid.uuid4()
    if version >= 6:  # by name or topic id
        topics = [DeleteTopicsRequest.DeleteTopicState(name="a", version=version)]
        topics.append(DeleteTopicsRequest.DeleteTopicState(name=None, topic_id=tid, version=version))
        req = DeleteTopicsRequest(topics=topics, timeout_ms=1000, version=version)
    else:
        req = DeleteTopicsRequest(topic_names=["a", "b"], timeout_ms=1000, version=version)
    req.with_header(correlation_id=3)
    _, body = _decode_ours(20, req.encode(header=True), version)
    if version >= 6:
        assert body["topics"][0]["name"] == "a" and body["topics"][1]["name"] is None
        assert uuid.UUID(str(body["topics"][1]["topic_id"])) == tid
    else:
        assert body["topic_names"] == ["a", "b"]
    resp = {"responses": [{"name": None if version >= 6 else "a", "topic_id": tid, "error_code": 100}]}
    got = _ours_to_theirs(20, resp, version, DeleteTopicsResponse)
    assert got["responses"][0]["error_code"] == 100


@pytest.mark.parametrize("version", _versions(32))
def test_describe_configs_both_ways(version):
    res = DescribeConfigsRequest.DescribeConfigsResource(
        resource_type=2, resource_name="t", configuration_keys=None, version=version
    )
    req = DescribeConfigsRequest(resources=[res], include_synonyms=False, version=version)
    req.with_header(correlation_id=3)
    _, body = _decode_ours(32, req.encode(header=True), version)
    assert body["resources"][0]["configuration_keys"] is None
    resp = {
        "results": [
            {
                "error_code": 0,
                "error_message": None,
                "resource_type": 2,
                "resource_name": "t",
                "configs": [
                    {
                        "name": "retention.ms",
                        "value": "1000",
                        "read_only": False,
                        "config_source": 1,
                        "is_sensitive": False,
                    }
                ],
            }
        ]
    }
    got = _ours_to_theirs(32, resp, version, DescribeConfigsResponse)
    assert got["results"][0]["configs"][0]["value"] == "1000"


def test_tagged_fields_roundtrip_and_unknown_tags_skipped():
    msg = Message(Struct(F("a", INT32), F("t", STRING, tag=0), F("u", Array(INT32), tag=5)), first_flexible=0)
    data = msg.to_bytes({"a": 1, "t": "x", "u": [1, 2]}, 0)
    assert msg.from_bytes(data, 0) == {"a": 1, "t": "x", "u": [1, 2]}
    # an unknown tag (9) from a newer peer is skipped, as Kafka does
    other = Message(Struct(F("a", INT32), F("z", STRING, tag=9)), first_flexible=0)
    assert msg.from_bytes(other.to_bytes({"a": 2, "z": "zz"}, 0), 0)["a"] == 2


def test_truncated_and_absurd_lengths_raise_decode_error():
    api = REG.get(0)
    good = api.request.to_bytes(
        {
            "transactional_id": None,
            "acks": 1,
            "timeout_ms": 1,
            "topic_data": [{"name": "t", "partition_data": [{"index": 0, "records": b"x" * 100}]}],
        },
        7,
    )
    for cut in range(len(good)):
        with pytest.raises(DecodeError):
            api.request.decode(Reader(good[:cut]), 7)
    w = Writer()
    w.int16(-1), w.int16(1), w.int32(1), w.int32(2**31 - 1)  # an array claiming 2^31-1 topics
    with pytest.raises(DecodeError):
        api.request.decode(Reader(w.getvalue()), 7)
    with pytest.raises(DecodeError):
        Reader(b"\xff" * 11).uvarint()
    assert Reader(encode_uvarint(300)).uvarint() == 300


@pytest.mark.parametrize("version", _versions(17))
def test_sasl_handshake_both_ways(version):
    from kafka.protocol.sasl import SaslHandshakeRequest, SaslHandshakeResponse

    req = SaslHandshakeRequest(mechanism="PLAIN", version=version)
    req.with_header(correlation_id=3)
    _, body = _decode_ours(17, req.encode(header=True), version)
    assert body["mechanism"] == "PLAIN"
    got = _ours_to_theirs(17, {"error_code": 34, "mechanisms": []}, version, SaslHandshakeResponse)
    assert (got["error_code"], got["mechanisms"]) == (34, [])


@pytest.mark.parametrize("version", _versions(36))
def test_sasl_authenticate_both_ways(version):
    from kafka.protocol.sasl import SaslAuthenticateRequest, SaslAuthenticateResponse

    req = SaslAuthenticateRequest(auth_bytes=b"\x00u\x00p", version=version)
    req.with_header(correlation_id=3)
    _, body = _decode_ours(36, req.encode(header=True), version)
    assert bytes(body["auth_bytes"]) == b"\x00u\x00p"
    got = _ours_to_theirs(
        36, {"error_code": 34, "error_message": "no", "auth_bytes": b""}, version, SaslAuthenticateResponse
    )
    assert (got["error_code"], got["error_message"]) == (34, "no")


@pytest.mark.parametrize("version", _versions(60))
def test_describe_cluster_both_ways(version):
    from kafka.protocol.admin import DescribeClusterRequest, DescribeClusterResponse

    req = DescribeClusterRequest(include_cluster_authorized_operations=False, version=version)
    req.with_header(correlation_id=3)
    _, body = _decode_ours(60, req.encode(header=True), version)
    assert body["endpoint_type"] == 1
    resp = {
        "cluster_id": "c1",
        "controller_id": 1,
        "brokers": [{"broker_id": 1, "host": "broker-1", "port": 29092, "rack": None}],
    }
    got = _ours_to_theirs(60, resp, version, DescribeClusterResponse)
    assert (
        got["cluster_id"] == "c1"
        and got["brokers"][0]["host"] == "broker-1"
        and got["brokers"][0]["rack"] is None
    )
