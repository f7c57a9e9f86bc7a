"""Our decoder against tshark's Kafka dissector on the same pcaps (tshark is the reference).

Synthetic conversations: messages encoded by kafka-python, carried in real TCP segments (some
frames split across segments). Real client↔broker traffic is in test_capture_real.py.
"""

from __future__ import annotations

import pytest
from capsynth import Conversation, bootstrap, produce_consume, rebalance, write
from kp_codec import record_batch
from tshark_ref import tshark_pdus

from netlab.capture.decode import iter_events, message_json

GROUP_VERSIONS = [
    (0, 0, 0, 0, 1, 2, 0),
    (1, 2, 1, 1, 2, 3, 1),
    (2, 4, 2, 2, 4, 6, 2),
    (2, 5, 3, 3, 5, 7, 3),
    (3, 7, 5, 4, 7, 8, 4),
]
PRODUCE_FETCH = [(3, 4), (5, 7), (7, 11), (8, 11)]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = tmp_path_factory.mktemp("tshark") / "synthetic.pcap"
    a = Conversation(("10.5.0.2", 40001), ("10.5.0.3", 9092), mss=1400).handshake()
    corr = bootstrap(a)
    b = Conversation(
        ("10.5.0.4", 40002), ("10.5.0.3", 9092), mss=90, ts=1_700_000_100.0
    ).handshake()  # split frames
    rebalance(b, GROUP_VERSIONS)
    c = Conversation(("10.5.0.5", 40003), ("10.5.0.3", 9092), mss=200, ts=1_700_000_200.0).handshake()
    produce_consume(c, PRODUCE_FETCH, record_batch(3))
    write(path, a, b, c)
    assert corr > 5
    return path


def _ours(path, ports=None):
    return [m for m in iter_events(path, ports)]


def _by_key(msgs):
    return {(m.src if m.kind == "request" else m.dst, m.kind, m.correlation_id): m for m in msgs}


def test_headers_match_tshark(synthetic):
    ours = _ours(synthetic)
    assert not [m for m in ours if m.kind == "malformed"], [m.reason for m in ours if m.kind == "malformed"]
    theirs = tshark_pdus(synthetic, {9092})
    requests = [p for p in theirs if p.kind == "request"]
    # tshark reads every request header; we see exactly the same requests in the same order
    assert [(p.api_key, p.api_version, p.correlation_id) for p in requests] == [
        (m.api_key, m.api_version, m.correlation_id) for m in ours if m.kind == "request"
    ]
    assert len(requests) == 1 + 10 + 7 * len(GROUP_VERSIONS) + 2 * len(PRODUCE_FETCH)
    # responses tshark could match to their request: same api key, version, correlation id
    matched = [p for p in theirs if p.kind == "response" and p.api_version is not None]
    ours_responses = [(m.api_key, m.api_version, m.correlation_id) for m in ours if m.kind == "response"]
    assert len(matched) >= 0.8 * len(ours_responses)
    for p in matched:
        assert (p.api_key, p.api_version, p.correlation_id) in ours_responses


def test_metadata_broker_lists_match_tshark(synthetic):
    ours = [m for m in _ours(synthetic) if m.kind == "response" and m.api_key == 3]
    theirs = [p for p in tshark_pdus(synthetic, {9092}) if p.brokers is not None]
    assert len(theirs) == 10  # Metadata v0-v9: all within tshark 4.0's range
    by_corr = {m.correlation_id: m for m in ours}
    for p in theirs:
        j = message_json(by_corr[p.correlation_id])
        assert [(b["node_id"], b["host"], b["port"]) for b in j["brokers"]] == p.brokers
        assert p.brokers == [(1, "broker-1", 29092), (2, "broker-2", 29093)]


def test_join_group_member_counts_match_tshark(synthetic):
    ours = {m.correlation_id: m for m in _ours(synthetic) if m.kind == "response" and m.api_key == 11}
    theirs = [p for p in tshark_pdus(synthetic, {9092}) if p.members is not None and not p.unsupported]
    assert len(theirs) >= 4
    for p in theirs:
        assert ours[p.correlation_id].decoded["member_count"] == p.members == 3


def test_non_default_port_found_by_api_versions_heuristic(tmp_path):
    path = tmp_path / "port.pcap"
    c = Conversation(("10.5.0.2", 40001), ("10.5.0.3", 29092)).handshake()
    bootstrap(c, metadata_versions=[4])
    write(path, c)
    ours = _ours(path)  # no ports given: 9092 + detection
    theirs = tshark_pdus(path, {29092})
    assert [(m.kind, m.api_key, m.correlation_id) for m in ours] == [
        (p.kind, p.api_key, p.correlation_id) for p in theirs
    ]
    assert _ours(path, {9092}) == []  # explicit ports switch detection off


def test_refused_connection_and_story(tmp_path):
    from netlab.capture.story import Story

    path = tmp_path / "refused.pcap"
    a = Conversation(("10.5.0.2", 40001), ("10.5.0.3", 9092)).handshake()
    bootstrap(a, metadata_versions=[4])
    b = Conversation(("10.5.0.2", 40002), ("10.5.0.4", 29092), ts=1_700_000_050.0).refused()
    write(path, a, b)
    story = Story(names={"10.5.0.2": "host"}, hosts={"broker-1": {"10.5.0.4"}})
    lines = [line for ev in iter_events(path, {9092, 29092}, connections=True) for line in story.lines(ev)]
    lines += story.finish()
    assert "host → 10.5.0.3:9092  Metadata v4 request — orders (kcat)" in lines
    assert any(
        line.startswith(
            "10.5.0.3:9092 → host  Metadata response: broker 1 at broker-1:29092, broker 2 at broker-2:29093"
        )
        for line in lines
    )
    assert "host → 10.5.0.4:29092  SYN … RST (connection refused)" in lines
    # broker-2's endpoint was advertised and never tried
    assert (
        "host: no connection attempt to the advertised endpoint broker-2:29093 (broker 2) followed" in lines
    )
    assert not any("broker-1:29092 (broker 1) followed" in line for line in lines)


def test_non_kafka_connections_stay_quiet(tmp_path):
    """Detection mode: an HTTP connection yields nothing; a Kafka one on an odd port is found and
    its handshake reported; a refused attempt is reported whatever the port."""
    path = tmp_path / "mixed.pcap"
    web = Conversation(("10.5.0.2", 40001), ("10.5.0.9", 8080)).handshake()
    web.send(True, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").send(False, b"HTTP/1.1 200 OK\r\n\r\n")
    kafka = Conversation(("10.5.0.2", 40002), ("10.5.0.3", 19092), ts=1_700_000_010.0).handshake()
    bootstrap(kafka, metadata_versions=[4])
    refused = Conversation(("10.5.0.2", 40003), ("10.5.0.4", 8443), ts=1_700_000_020.0).refused()
    write(path, web, kafka, refused)
    events = [(e.kind, e.dst) for e in iter_events(path, connections=True) if not hasattr(e, "api_key")]
    assert ("accepted", "10.5.0.3:19092") in events and ("refused", "10.5.0.4:8443") in events
    assert not [e for e in events if e[1].endswith(":8080") and e[0] != "syn"]
    messages = [m for m in iter_events(path) if m.kind != "malformed"]
    assert {m.dst if m.kind == "request" else m.src for m in messages} == {"10.5.0.3:19092"}


def test_every_packet_twice_like_an_any_capture_on_a_bridge_host(tmp_path):
    """On a node holding a bridge, `-i any` sees each packet on the port and on the bridge:
    duplicates are dropped by sequence number, connection facts are reported once."""
    once, twice = tmp_path / "once.pcap", tmp_path / "twice.pcap"
    a = Conversation(("10.5.0.2", 40001), ("10.5.0.3", 9092)).handshake()
    bootstrap(a, metadata_versions=[4])
    b = Conversation(("10.5.0.2", 40002), ("10.5.0.4", 29092), ts=1_700_000_050.0).refused()
    write(once, a, b)
    for conv in (a, b):
        conv.packets = [p for pkt in conv.packets for p in (pkt, pkt.copy())]
    write(twice, a, b)

    def facts(path):
        return [
            (e.kind, e.src, e.dst, getattr(e, "correlation_id", None))
            for e in iter_events(path, {9092, 29092}, connections=True)
        ]

    assert facts(twice) == facts(once)
    assert [f[0] for f in facts(once)].count("refused") == 1


def test_ipv6_conversation_matches_tshark(tmp_path):
    path = tmp_path / "v6.pcap"
    c = Conversation(("fd00::2", 40001), ("fd00::3", 9092), mss=120).handshake()
    bootstrap(c, metadata_versions=[1, 9])
    write(path, c)
    ours = _ours(path)
    theirs = tshark_pdus(path, {9092})
    assert [(p.kind, p.api_key, p.correlation_id) for p in theirs] == [
        (m.kind, m.api_key, m.correlation_id) for m in ours
    ]
    assert ours[0].src == "[fd00::2]:40001" and ours[0].dst == "[fd00::3]:9092"
    assert [p.brokers for p in theirs if p.brokers] == [
        [(b["node_id"], b["host"], b["port"]) for b in message_json(m)["brokers"]]
        for m in ours
        if m.kind == "response" and m.api_key == 3
    ]
