"""Incremental fetch sessions (KIP-227, broker/fetch_sessions.py) against a real broker process,
spoken with kafka-python's protocol classes (an encoder independent of ours): a full fetch opens a
session, incremental fetches carry and get only changed partitions, forgotten partitions stop
being served, epoch -1 closes, session errors are Kafka's, the cache is bounded and evicts as
Kafka's FetchSessionCache does. Then real consumers (confluent-kafka, kafka-python, whose fetcher
uses sessions) over many partitions."""

from __future__ import annotations

import uuid

import pytest
from brokerproc import start_broker
from kafka.protocol.consumer import FetchRequest
from kafka.protocol.metadata import MetadataRequest
from rawclient import RawClient, batch, record_values
from test_protocol_edges import create, produce

pytestmark = [pytest.mark.clients]

PARTS = 24
NOT_FOUND, BAD_EPOCH, TOPIC_ID_ERROR = 70, 71, 106


@pytest.fixture(scope="module")
def sbroker(tmp_path_factory):
    bp = start_broker(tmp_path_factory.mktemp("fsess"))
    assert bp.proc.poll() is None, bp.output()
    rc = RawClient("127.0.0.1", bp.port)
    for topic in ("fs_a", "fs_b", "fs_c", "fs_ids"):
        assert create(rc, topic, partitions=PARTS).error_code == 0
    rc.close()
    yield bp
    assert bp.stop() == 0, bp.output()


@pytest.fixture
def rc(sbroker):
    c = RawClient("127.0.0.1", sbroker.port)
    yield c
    c.close()


def _fetch(rc, version, session_id, epoch, parts=(), forget=(), *, topic="fs_a", topic_id=None):
    """parts: (partition, fetch_offset) pairs to name; forget: partitions to forget."""
    by_id = version >= 13
    fps = [
        FetchRequest.FetchTopic.FetchPartition(
            partition=p, fetch_offset=o, partition_max_bytes=1 << 20, version=version
        )
        for p, o in parts
    ]
    name = {"topic_id": topic_id} if by_id else {"topic": topic}
    topics = [FetchRequest.FetchTopic(partitions=fps, version=version, **name)] if fps else []
    forgotten = (
        [FetchRequest.ForgottenTopic(partitions=list(forget), version=version, **name)] if forget else []
    )
    req = FetchRequest(
        replica_id=-1,
        max_wait_ms=0,
        min_bytes=0,
        max_bytes=50 << 20,
        isolation_level=0,
        session_id=session_id,
        session_epoch=epoch,
        topics=topics,
        forgotten_topics_data=forgotten,
        rack_id="",
        version=version,
    )
    return rc.request(req, version)


def _served(resp) -> dict[int, list]:
    return {p.partition_index: p for t in resp.responses for p in t.partitions}


def _full(rc, version=12, topic="fs_a", topic_id=None):
    resp = _fetch(rc, version, 0, 0, [(p, 0) for p in range(PARTS)], topic=topic, topic_id=topic_id)
    assert resp.error_code == 0
    assert sorted(_served(resp)) == list(range(PARTS))  # a full answer: every partition
    return resp


def test_full_then_incremental_carries_only_changed_partitions(rc):
    resp = _full(rc)
    sid = resp.session_id
    assert sid > 0  # the cache had room: a session was opened

    nothing = _fetch(rc, 12, sid, 1)  # an incremental fetch naming nothing: nothing changed
    assert nothing.error_code == 0 and nothing.session_id == sid
    assert _served(nothing) == {}

    assert produce(rc, "fs_a", batch([b"x1", b"x2"]), partition=5).error_code == 0
    news = _served(_fetch(rc, 12, sid, 2))  # only the partition with new data (and a new HW)
    assert list(news) == [5]
    assert [v for _, v in record_values(news[5].records)] == [b"x1", b"x2"]
    assert news[5].high_watermark == 2

    # the fetcher advances partition 5 to offset 2: named alone, it is answered alone (empty,
    # since its HW did not move: not even that) and no other partition shows up
    assert _served(_fetch(rc, 12, sid, 3, [(5, 2)])) == {}
    assert produce(rc, "fs_a", batch([b"y"]), partition=5).error_code == 0
    assert produce(rc, "fs_a", batch([b"z"]), partition=9).error_code == 0
    news = _served(_fetch(rc, 12, sid, 4))
    assert sorted(news) == [5, 9]
    assert [v for _, v in record_values(news[5].records)] == [b"y"]  # from the cached offset 2
    assert [v for _, v in record_values(news[9].records)] == [b"z"]

    # forgotten partitions are no longer served even when they get data
    assert _served(_fetch(rc, 12, sid, 5, [(5, 3), (9, 1)], forget=[9])) == {}
    assert produce(rc, "fs_a", batch([b"w"]), partition=9).error_code == 0
    assert _served(_fetch(rc, 12, sid, 6)) == {}

    # epoch -1 closes the session: the next incremental fetch names an unknown session
    closed = _fetch(rc, 12, sid, -1, [(0, 0)])
    assert closed.error_code == 0 and closed.session_id == 0
    gone = _fetch(rc, 12, sid, 7)
    assert gone.error_code == NOT_FOUND and gone.session_id == 0 and gone.responses == []


def test_session_errors(rc):
    sid = _full(rc).session_id
    assert _fetch(rc, 12, sid, 1).error_code == 0
    replay = _fetch(rc, 12, sid, 1)  # the same epoch twice: Kafka's INVALID_FETCH_SESSION_EPOCH
    assert replay.error_code == BAD_EPOCH and replay.responses == []
    assert _fetch(rc, 12, sid, 5).error_code == BAD_EPOCH
    assert _fetch(rc, 12, sid, 2).error_code == 0  # the right epoch still works after errors
    unknown = sid + 1 if sid < 2**31 - 1 else 1
    assert _fetch(rc, 12, unknown, 1).error_code == NOT_FOUND
    # a session opened by v12 (names) is not continued by v13 (ids): FETCH_SESSION_TOPIC_ID_ERROR
    assert _fetch(rc, 13, sid, 3, topic_id=uuid.uuid4()).error_code == TOPIC_ID_ERROR
    # a full fetch naming the session replaces it: the old id is gone
    new = _fetch(rc, 12, sid, 0, [(0, 0)])
    assert new.error_code == 0 and new.session_id not in (0, sid)
    assert _fetch(rc, 12, sid, 4).error_code == NOT_FOUND
    assert _fetch(rc, 12, new.session_id, 1).error_code == 0


def test_topic_ids_key_the_session_in_v13(rc):
    md = rc.request(
        MetadataRequest(
            topics=[
                MetadataRequest.MetadataRequestTopic(name="fs_ids", topic_id=uuid.UUID(int=0), version=12)
            ],
            allow_auto_topic_creation=False,
            version=12,
        ),
        12,
    )
    tid = md.topics[0].topic_id
    resp = _full(rc, 13, topic_id=tid)
    sid = resp.session_id
    assert sid > 0 and resp.responses[0].topic_id == tid
    assert produce(rc, "fs_ids", batch([b"v"]), partition=7).error_code == 0
    news = _fetch(rc, 13, sid, 1)
    assert [t.topic_id for t in news.responses] == [tid]
    assert list(_served(news)) == [7]
    # forgetting by topic id
    assert _served(_fetch(rc, 13, sid, 2, forget=[7], topic_id=tid)) == {}
    assert produce(rc, "fs_ids", batch([b"v2"]), partition=7).error_code == 0
    assert _served(_fetch(rc, 13, sid, 3)) == {}
    # an id this broker does not know: UNKNOWN_TOPIC_ID in the session, sent every time (an error)
    stray = uuid.uuid4()
    first = _fetch(rc, 13, sid, 4, [(0, 0)], topic_id=stray)
    assert [(p.partition_index, p.error_code) for p in first.responses[0].partitions] == [(0, 100)]
    again = _fetch(rc, 13, sid, 5)
    assert [(t.topic_id, p.error_code) for t in again.responses for p in t.partitions] == [(stray, 100)]


def _open(c, n: int) -> int:
    resp = _fetch(c, 12, 0, 0, [(p, 0) for p in range(n)], topic="fs_evict")
    assert resp.error_code == 0
    return resp.session_id


def test_cache_is_bounded_and_evicts_smaller_sessions(tmp_path):
    """slots=3. Kafka's FetchSessionCache.tryEvict: with no stale session, a new session evicts the
    least valuable one (consumer sessions by size, then id) only if it is worth more: a session
    no bigger than the smallest gets none (id 0); a bigger one takes the smallest one's slot."""
    bp = start_broker(tmp_path, ["max.incremental.fetch.session.cache.slots=3"])
    clients = [RawClient("127.0.0.1", bp.port) for _ in range(5)]
    try:
        assert create(clients[0], "fs_evict", partitions=PARTS).error_code == 0
        sids = [_open(c, n) for c, n in zip(clients, (12, 8, 12), strict=False)]
        assert all(sids)
        assert _open(clients[3], 8) == 0  # as small as the smallest: no slot for it
        assert [_fetch(c, 12, s, 1).error_code for c, s in zip(clients, sids, strict=False)] == [0, 0, 0]
        assert _open(clients[4], 20) > 0  # bigger: evicts the 8-partition session
        codes = [_fetch(c, 12, s, 2).error_code for c, s in zip(clients, sids, strict=False)]
        assert codes == [0, NOT_FOUND, 0]
    finally:
        for c in clients:
            c.close()
        assert bp.stop() == 0, bp.output()


def test_no_sessions_when_slots_are_zero(tmp_path):
    bp = start_broker(tmp_path, ["max.incremental.fetch.session.cache.slots=0"])
    c = RawClient("127.0.0.1", bp.port)
    try:
        assert create(c, "fs_evict", partitions=2).error_code == 0
        assert _open(c, 2) == 0  # a full answer with no session: the client keeps fetching in full
    finally:
        c.close()
        assert bp.stop() == 0, bp.output()


def test_old_versions_get_no_session(rc):
    for version in (4, 6):
        fp = FetchRequest.FetchTopic.FetchPartition(
            partition=0, fetch_offset=0, partition_max_bytes=1 << 20, version=version
        )
        req = FetchRequest(
            replica_id=-1,
            max_wait_ms=0,
            min_bytes=0,
            max_bytes=1 << 20,
            isolation_level=0,
            topics=[FetchRequest.FetchTopic(topic="fs_b", partitions=[fp], version=version)],
            version=version,
        )
        assert rc.request(req, version).responses[0].partitions[0].error_code == 0
    sessionless = _fetch(rc, 12, 0, -1, [(0, 0)], topic="fs_b")
    assert sessionless.error_code == 0 and sessionless.session_id == 0
