"""Fuzzing the request path with hypothesis (bounded: runs in seconds).

- every API/version decoder on arbitrary bytes and on mutated valid requests: it either raises
  DecodeError, or decodes to a value with every declared field that re-encodes and decodes to
  the same value (nothing else);
- whole frames through `handle_frame` against a real BrokerNode (real log dir): InvalidRequest or
  CloseConnection (the connection is closed), or a well-formed answer (size, the request's
  correlation id, a body that decodes to its end), or no answer only for a Produce; never
  another exception;
- the connection's framing: any split of a byte stream into reads yields the same frames.
"""

from __future__ import annotations

import asyncio
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kafka.protocol.metadata import MetadataRequest
from kafka.protocol.producer import ProduceRequest

from broker.connection import KafkaConnection
from broker.protocol.api import CloseConnection
from broker.protocol.frames import InvalidRequest, handle_frame
from broker.protocol.header import read_request_header, skip_tagged_fields
from broker.protocol.schema import Message
from broker.protocol.types import DecodeError, Reader
from broker.registry import discover
from broker.request_context import RequestContext

REG = discover()
APIS = [(a.key, v) for a in REG.apis.values() for v in range(a.min_version, a.max_version + 1)]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_round_trip(message: Message, version: int, decoded: dict) -> None:
    """A decoded value is complete and stable: every top-level field of the version is there, and
    encoding it and decoding the result gives the same value back."""
    assert set(decoded) == {f.name for f in message.body.fields}
    again = message.from_bytes(message.to_bytes(decoded, version), version)
    assert again == decoded


@FUZZ
@given(st.sampled_from(APIS), st.binary(max_size=200))
def test_decoders_accept_or_raise_decode_error(api_version, data):
    key, version = api_version
    message = REG.get(key).request
    r = Reader(data)
    try:
        decoded = message.decode(r, version)
    except DecodeError:
        return
    assert r.pos <= len(data)
    _assert_round_trip(message, version, decoded)


def _valid_requests() -> list[bytes]:
    out = []
    for v in (1, 9, 12):
        m = MetadataRequest(
            topics=[MetadataRequest.MetadataRequestTopic(name="topic-a", version=v)], version=v
        )
        m.with_header(correlation_id=1)
        out.append(bytes(m.encode(header=True)))
    for v in (3, 8, 9):
        pd = ProduceRequest.TopicProduceData.PartitionProduceData(index=0, records=b"\x00" * 70, version=v)
        p = ProduceRequest(
            transactional_id=None,
            acks=1,
            timeout_ms=100,
            topic_data=[ProduceRequest.TopicProduceData(name="t", partition_data=[pd], version=v)],
            version=v,
        )
        p.with_header(correlation_id=2)
        out.append(bytes(p.encode(header=True)))
    return out


VALID = _valid_requests()


@FUZZ
@given(
    st.sampled_from(VALID),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6),
    st.integers(0, 10_000),
)
def test_mutated_valid_requests(base, flips, cut):
    data = bytearray(base)
    for pos, val in flips:
        data[pos % len(data)] = val
    data = bytes(data[: max(cut % (len(data) + 1), 0)])
    key, version = struct.unpack_from(">hh", base, 0)
    api = REG.get(key)
    r = Reader(data)
    try:
        read_request_header(r, api.request_flexible(version))
        decoded = api.request.decode(r, version)
    except DecodeError:
        return
    _assert_round_trip(api.request, version, decoded)


def test_valid_requests_decode_to_what_kafka_python_encoded():
    """The unmutated seeds of the test above: our decoder reads kafka-python's values."""
    for base in VALID:
        key, version = struct.unpack_from(">hh", base, 0)
        api = REG.get(key)
        r = Reader(base)
        hdr = read_request_header(r, api.request_flexible(version))
        req = api.request.decode(r, version)
        assert r.remaining() == 0 and hdr.correlation_id in (1, 2)
        if key == 3:
            assert [t["name"] for t in req["topics"]] == ["topic-a"]
        else:
            assert (req["acks"], req["timeout_ms"], req["topic_data"][0]["name"]) == (1, 100, "t")
            assert bytes(req["topic_data"][0]["partition_data"][0]["records"]) == b"\x00" * 70


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    from broker.cluster.metadata import BrokerEndpoint
    from broker.config import KafkaConfig
    from broker.node import BrokerNode

    d = tmp_path_factory.mktemp("fuzznode")
    cfg = KafkaConfig({"node.id": "1", "listeners": "PLAINTEXT://127.0.0.1:1", "log.dirs": str(d)})
    n = BrokerNode(cfg, {"PLAINTEXT": BrokerEndpoint("127.0.0.1", 1)})
    yield n
    n.shutdown()


def _frames():
    header = st.builds(
        lambda key, ver, corr: struct.pack(">hhih", key, ver, corr, -1),
        st.sampled_from([k for k in REG.apis if k != 1] + [999, -1]),  # Fetch long-polls: decode-only above
        st.integers(-1, 14),
        st.integers(0, 2**31 - 1),
    )
    return st.tuples(header, st.binary(max_size=120)).map(lambda hb: hb[0] + hb[1])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_frames())
def test_handle_frame_answers_or_rejects(node, frame):
    def make_ctx(hdr, version):
        return RequestContext(node, "PLAINTEXT", hdr.client_id, hdr.correlation_id, version, "127.0.0.1:9")

    try:
        chunks = asyncio.run(handle_frame(REG, memoryview(frame), make_ctx))
    except (InvalidRequest, CloseConnection):  # both close just this connection
        return
    key, version, corr = struct.unpack_from(">hhi", frame, 0)
    if chunks is None:
        assert key == 0  # only an acks=0 Produce goes unanswered
        return
    out = b"".join(bytes(c) for c in chunks)
    assert struct.unpack_from(">i", out, 0)[0] == len(out) - 4
    r = Reader(out, 4)
    assert r.int32() == corr
    api = REG.get(key)
    if not api.supports(version):  # ApiVersions' KIP-511 answer: header v0, body v0
        assert key == 18
        body = api.response.decode(r, 0)
        assert body["error_code"] == 35 and [k["api_key"] for k in body["api_keys"]] == [18]
    else:
        if api.response_header_flexible(version):
            skip_tagged_fields(r)
        api.response.decode(r, version)
    assert r.remaining() == 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.binary(max_size=3000), min_size=1, max_size=8),
    st.lists(st.integers(1, 5000), min_size=1, max_size=40),
)
def test_framing_is_independent_of_read_sizes(bodies, reads):
    stream = b"".join(struct.pack(">i", len(b)) + b for b in bodies)
    conn = KafkaConnection(10_000, None, lambda c: None, lambda c, s: None)
    pos, i = 0, 0
    while pos < len(stream):
        buf = conn.get_buffer(-1)
        n = min(len(buf), reads[i % len(reads)], len(stream) - pos)
        buf[:n] = stream[pos : pos + n]
        conn.buffer_updated(n)
        pos += n
        i += 1
    assert [bytes(f) for f in conn._frames] == bodies


def test_framing_rejects_oversize():
    bad = []
    conn = KafkaConnection(100, None, lambda c: None, lambda c, s: bad.append(s))
    buf = conn.get_buffer(-1)
    buf[:4] = struct.pack(">i", 101)
    conn.buffer_updated(4)
    assert bad == [101] and not conn._frames
