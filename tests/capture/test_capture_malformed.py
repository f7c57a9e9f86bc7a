"""Malformed or truncated Kafka frames are reported as such and never crash the decoder."""

from __future__ import annotations

import struct

from capsynth import Conversation, bootstrap, kp_message, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from netlab.capture.decode import decode_body, iter_events, message_json
from netlab.capture.kafka import KafkaRequest, KafkaResponse
from netlab.capture.pcapio import LINKTYPE_ETHERNET
from netlab.capture.stream import ConnEvent, KafkaMessage, StreamDecoder


def _conv() -> Conversation:
    return Conversation(("10.5.0.2", 40001), ("10.5.0.3", 9092)).handshake()


def test_frame_cut_by_the_end_of_the_capture(tmp_path):
    c = _conv()
    req = kp_message(3, 4, "request", topics=None, allow_auto_topic_creation=1)
    req.with_header(correlation_id=1, client_id="kcat")
    data = bytes(req.encode(header=True, framed=True))
    c.send(True, data[:-5])
    write(tmp_path / "cut.pcap", c)
    out = [message_json(m) for m in iter_events(tmp_path / "cut.pcap")]
    assert out == [
        {
            **out[0],
            "kind": "malformed",
            "reason": f"truncated: capture ends {len(data) - 9} bytes into a {len(data) - 4}-byte frame",
        }
    ]


def test_implausible_size_and_garbage_body(tmp_path):
    c = _conv()
    # a Metadata v4 request whose body claims a 1000-element topic array in 3 bytes
    body = struct.pack(">hhih", 3, 4, 7, 4) + b"kcat" + struct.pack(">i", 1000) + b"abc"
    c.send(True, struct.pack(">i", len(body)) + body)
    c.send(True, struct.pack(">i", -5) + b"junkjunk")
    write(tmp_path / "bad.pcap", c)
    out = [message_json(m) for m in iter_events(tmp_path / "bad.pcap")]
    assert [o["kind"] for o in out] == ["malformed", "malformed"]
    assert out[0]["reason"] == (
        "Metadata v4 request body: topics: array of 1000 elements cannot fit in 3 bytes"
    )
    assert out[0]["api_key"] == 3 and out[0]["correlation_id"] == 7
    assert out[1]["reason"].startswith("implausible frame size -5")


def test_trailing_bytes_after_a_body_are_reported(tmp_path):
    c = _conv()
    req = kp_message(12, 0, "request", group_id="g", generation_id=1, member_id="m")
    req.with_header(correlation_id=3, client_id="x")
    data = bytes(req.encode(header=True, framed=False)) + b"\x00\x01"
    c.send(True, struct.pack(">i", len(data)) + data)
    write(tmp_path / "trail.pcap", c)
    (m,) = list(iter_events(tmp_path / "trail.pcap"))
    assert (
        m.kind == "malformed" and m.reason == "Heartbeat v0 request body: 2 bytes left after the last field"
    )


def test_response_without_its_request_is_flagged(tmp_path):
    c = Conversation(("10.5.0.2", 40001), ("10.5.0.3", 9092))  # capture starts mid-connection
    resp = kp_message(3, 4, "response", brokers=[], topics=[])
    resp.with_header(correlation_id=9)
    c.send(False, bytes(resp.encode(header=True, framed=True)))
    write(tmp_path / "mid.pcap", c)
    (m,) = list(iter_events(tmp_path / "mid.pcap"))
    assert (m.kind, m.correlation_id, m.api_key) == ("response", 9, None)
    assert m.reason.startswith("unmatched")


def _frames() -> list[bytes]:
    c = _conv()
    bootstrap(c, metadata_versions=[1, 4, 9])
    return [bytes(p) for p in c.packets]


FRAMES = _frames()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(FRAMES) - 1), st.integers(0, 2000), st.binary(max_size=8), st.booleans()
        ),
        max_size=6,
    )
)
def test_fuzzed_streams_never_crash(mutations):
    frames = list(FRAMES)
    for index, offset, junk, truncate in mutations:
        f = frames[index]
        if len(f) <= 54:
            continue
        pos = 54 + offset % (len(f) - 54)  # inside the TCP payload
        frames[index] = f[:pos] + junk if truncate else f[:pos] + junk + f[pos + len(junk) :]
    decoder = StreamDecoder({9092})
    events = []
    for i, f in enumerate(frames):
        events += decoder.feed(i * 1000, LINKTYPE_ETHERNET, f)
    events += decoder.finish()
    for ev in events:
        if isinstance(ev, ConnEvent):
            continue
        ev = decode_body(ev)
        assert isinstance(ev, KafkaMessage)
        assert ev.kind in ("request", "response", "malformed")
        if ev.kind == "malformed":
            assert ev.reason
        message_json(ev)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_scapy_layers_on_random_tcp_payloads(payload):
    for pkt in (Ether() / IP() / TCP(dport=9092) / payload, Ether() / IP() / TCP(sport=9092) / payload):
        parsed = Ether(bytes(pkt))
        assert parsed.haslayer(TCP)
        layer = parsed[TCP].payload
        assert isinstance(layer, (KafkaRequest, KafkaResponse)) or layer.name in (
            "Raw",
            "NoPayload",
            "Padding",
        )
