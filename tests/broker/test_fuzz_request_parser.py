"""Fuzzing the request path with hypothesis (bounded: runs in seconds).

- every API/version decoder on arbitrary bytes and on mutated valid requests: it either decodes or
  raises DecodeError, nothing else;
- whole frames through `handle_frame` against a real BrokerNode (real log dir): an answer,
  InvalidRequest or CloseConnection (the connection is closed), never another exception;
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
from broker.protocol.dispatch import CloseConnection, discover
from broker.protocol.frames import InvalidRequest, handle_frame
from broker.protocol.types import DecodeError, Reader

REG = discover()
APIS = [(a.key, v) for a in REG.apis.values() for v in range(a.min_version, a.max_version + 1)]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.sampled_from(APIS), st.binary(max_size=200))
def test_decoders_accept_or_raise_decode_error(api_version, data):
    key, version = api_version
    try:
        REG.get(key).request.decode(Reader(data), version)
    except DecodeError:
        pass


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
        from broker.protocol.header import read_request_header

        read_request_header(r, api.request_flexible(version))
        api.request.decode(r, version)
    except DecodeError:
        pass


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
    from broker.protocol.dispatch import RequestContext

    def make_ctx(hdr, version):
        return RequestContext(node, "PLAINTEXT", hdr.client_id, hdr.correlation_id, version, "127.0.0.1:9")

    try:
        asyncio.run(handle_frame(REG, memoryview(frame), make_ctx))
    except (InvalidRequest, CloseConnection):  # both close just this connection
        pass


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
