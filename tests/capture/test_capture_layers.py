"""The scapy Kafka layers against kafka-python's independent codec, every api and version.

Both directions: bytes we build decode in kafka-python and re-encode to the same bytes; bytes
kafka-python encodes from those values dissect in our layers and rebuild to the same bytes.
"""

from __future__ import annotations

import pytest
from kp_codec import kp_classes, populate
from scapy.config import conf

from netlab.capture.kafka import APIS, KafkaRequest, KafkaResponse, body_class, response_layer
from netlab.capture.kafka.summary import to_data

KP = kp_classes()
# kafka-python has no class for these. KRaft's Vote, BeginQuorumEpoch, EndQuorumEpoch: a real
# election's capture checks them (tests/broker/test_quorum_capture.py, with tshark's framing);
# ZooKeeper mode's LeaderAndIsr and UpdateMetadata: a real controller's capture
# (tests/broker/test_zk_control_versions.py) and their round trips (tests/unit/test_zookeeper_pure.py);
# KRaft's BrokerRegistration and BrokerHeartbeat: the cluster tests that exchange them.
NO_REFERENCE = {4, 6, 52, 53, 54, 62, 63}
CASES = [
    (key, version, kind)
    for key, api in sorted(APIS.items())
    if key not in NO_REFERENCE
    for version in range(api.latest + 1)
    for kind in ("request", "response")
    if version <= KP[key][kind].max_version
]


def test_every_decoded_api_is_covered():
    assert {c[0] for c in CASES} == set(APIS) - NO_REFERENCE
    assert len(CASES) > 200


@pytest.mark.parametrize("key,version,kind", CASES)
def test_body_matches_kafka_python(key, version, kind):
    cls = body_class(key, version, kind)
    built = populate(cls, seed=version + 1)
    if key == 18 and kind == "response":
        built.error_code = 0  # an error response always has a v0 body (tested below)
    ours = bytes(built)
    kp = KP[key][kind]
    decoded = kp.decode(ours, version=version)
    decoded._header = None  # decode() leaves it unset; encode() reads it
    assert bytes(decoded.encode(version=version)) == ours
    # and the other way: kafka-python's bytes dissect to the same fields, nothing left over
    pkt = cls(bytes(decoded.encode(version=version)))
    assert pkt.getlayer(conf.padding_layer) is None
    assert bytes(pkt) == ours
    assert to_data(pkt) == to_data(built)


def test_request_header_and_body_from_kafka_python():
    from kafka.protocol.metadata import MetadataRequest

    req = MetadataRequest[9](
        topics=[MetadataRequest.MetadataRequestTopic(name="orders")], allow_auto_topic_creation=False
    )
    req.with_header(correlation_id=42, client_id="kcat")
    pkt = KafkaRequest(bytes(req.encode(header=True, framed=True)))
    assert (pkt.api_key, pkt.api_version, pkt.correlation_id, pkt.client_id) == (3, 9, 42, "kcat")
    body = pkt.payload
    assert type(body).__name__ == "KafkaMetadataRequestV9"
    assert [t.getfieldval("name") for t in body.topics] == ["orders"]  # .name is scapy's layer name
    assert body.allow_auto_topic_creation == 0


def test_response_layer_decodes_metadata_brokers():
    from kafka.protocol.metadata import MetadataResponse as R

    resp = R[4](
        throttle_time_ms=0,
        brokers=[R.MetadataResponseBroker(node_id=1, host="broker-1", port=29092, rack=None)],
        cluster_id="c",
        controller_id=1,
        topics=[],
    )
    resp.with_header(correlation_id=3)
    pkt = response_layer(3, 4)(bytes(resp.encode(header=True, framed=True)))
    assert pkt.correlation_id == 3
    assert [(b.node_id, b.host, b.port) for b in pkt.payload.brokers] == [(1, "broker-1", 29092)]


def test_api_versions_response_keeps_header_v0_in_flexible_versions():
    from kafka.protocol.metadata import ApiVersionsResponse as R

    resp = R[3](
        error_code=0, api_keys=[R.ApiVersion(api_key=18, min_version=0, max_version=3)], throttle_time_ms=0
    )
    resp.with_header(correlation_id=1)
    pkt = response_layer(18, 3)(bytes(resp.encode(header=True, framed=True)))
    assert pkt.payload.api_keys[0].max_version == 3
    assert pkt.getlayer(conf.padding_layer) is None


def test_unknown_api_or_version_has_no_body_class():
    assert body_class(3, APIS[3].latest + 1, "request") is None
    assert body_class(5, 0, "request") is None  # StopReplica: framed, not decoded


def test_api_versions_error_response_has_a_v0_body():
    from kafka.protocol.metadata import ApiVersionsResponse as R

    resp = R[0](error_code=35, api_keys=[R.ApiVersion(api_key=18, min_version=0, max_version=3)])
    resp.with_header(correlation_id=1)
    pkt = response_layer(18, 4)(bytes(resp.encode(header=True, framed=True)))  # asked v4, told v0
    assert type(pkt.payload).__name__ == "KafkaApiVersionsResponseV0"
    assert pkt.payload.error_code == 35
    assert pkt.getlayer(conf.padding_layer) is None


def test_rdpcap_in_order_gives_responses_their_bodies(tmp_path):
    """The interactive-shell path: scapy dissects a pcap packet by packet; each response finds the
    request dissected before it on the same connection (frames fit in one segment here)."""
    from capsynth import Conversation, bootstrap, write
    from scapy.utils import rdpcap

    from netlab.capture.kafka import bind_kafka_port, forget_requests

    path = tmp_path / "shell.pcap"
    c = Conversation(("10.5.0.2", 40001), ("10.5.0.3", 29092)).handshake()
    bootstrap(c, metadata_versions=[4, 9])
    write(path, c)
    bind_kafka_port(29092)
    forget_requests()
    pkts = rdpcap(str(path))
    responses = [p[KafkaResponse] for p in pkts if KafkaResponse in p]
    assert [type(r.payload).__name__ for r in responses] == [
        "KafkaApiVersionsResponseV3",
        "KafkaMetadataResponseV4",
        "KafkaMetadataResponseV9",
    ]
    assert [b.host for b in responses[2].payload.brokers] == ["broker-1", "broker-2"]
    requests = [p[KafkaRequest] for p in pkts if KafkaRequest in p]
    assert [(r.api_key, r.api_version, r.client_id) for r in requests] == [
        (18, 3, "kcat"),
        (3, 4, "kcat"),
        (3, 9, "kcat"),
    ]
    # a response dissected alone, its request unknown: the header is read, the body stays raw
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    lone = bytes([p for p in pkts if KafkaResponse in p][1])
    forget_requests()
    alone = Ether(lone)
    assert alone[KafkaResponse].correlation_id == 2 and isinstance(alone[KafkaResponse].payload, Raw)


def test_a_kafka_field_called_name_is_a_field():
    """Kafka calls topic names `name`; scapy keeps layer names in `name` too. The field must
    start empty (not as the layer's name) and the layer must keep its name."""
    topics = next(f for f in body_class(3, 4, "response").fields_desc if f.name == "topics").elem
    t = topics()
    assert t.getfieldval("name") == "" and t.name == "KafkaMetadataResponseV4Topics"
    t.setfieldval("name", "orders")
    assert topics(bytes(t)).getfieldval("name") == "orders"
    assert body_class(3, 4, "response")().name == "Kafka Metadata v4 response"
