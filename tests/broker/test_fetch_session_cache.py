"""The fetch session cache's rules in-process (broker/fetch_sessions.py), where a test needs a
clock or sizes a broker process cannot give in seconds: Kafka's stale-session eviction after two
minutes, follower (privileged) sessions evicting consumer sessions only, epoch wrap-around, and
our cache-wide partition budget. The wire behaviour is in test_fetch_sessions.py."""

from __future__ import annotations

import uuid

from broker.fetch_sessions import (
    FETCH_SESSION_ID_NOT_FOUND,
    FetchSessionCache,
    new_context,
    next_epoch,
)

ZERO = uuid.UUID(int=0)


class Clock:
    def __init__(self) -> None:
        self.ms = 1_000_000.0

    def __call__(self) -> float:
        return self.ms


def _req(n: int, session_id: int = 0, epoch: int = 0, first: int = 0) -> dict:
    parts = [
        {
            "partition": p,
            "fetch_offset": 0,
            "current_leader_epoch": -1,
            "last_fetched_epoch": -1,
            "log_start_offset": -1,
            "partition_max_bytes": 1 << 20,
        }
        for p in range(first, first + n)
    ]
    return {
        "session_id": session_id,
        "session_epoch": epoch,
        "topics": [{"topic": "t", "topic_id": ZERO, "partitions": parts}] if n else [],
        "forgotten_topics_data": [],
    }


def _open(cache: FetchSessionCache, n: int, privileged: bool = False) -> int:
    req = _req(n)
    ctx = new_context(cache, 12, req, privileged)
    return ctx.respond(req, [])[0]


def test_stale_sessions_go_first_after_two_minutes():
    clock = Clock()
    cache = FetchSessionCache(2, clock=clock)
    a, b = _open(cache, 50), _open(cache, 50)
    assert a and b
    assert _open(cache, 1) == 0  # full, nothing stale, the newcomer is smaller
    clock.ms += 60_000
    assert new_context(cache, 12, _req(0, b, 1), False).kind == "incremental"  # b used, a idle
    clock.ms += 60_001  # a now unused for more than 120 s
    c = _open(cache, 1)
    assert c and cache.get(a) is None and cache.get(b) is not None


def test_followers_evict_consumer_sessions_only():
    cache = FetchSessionCache(2, clock=Clock())
    follower = _open(cache, 10, privileged=True)
    consumer = _open(cache, 500)
    assert follower and consumer
    second_follower = _open(cache, 1, privileged=True)  # a follower outranks any consumer session
    assert second_follower and cache.get(consumer) is None
    assert _open(cache, 1000) == 0  # a consumer cannot evict follower sessions
    assert _open(cache, 1000, privileged=True) == 0  # nor can a follower evict a follower
    assert cache.evictions == 1


def test_epochs_wrap_to_one():
    assert next_epoch(0) == 1 and next_epoch(41) == 42
    assert next_epoch(2**31 - 1) == 1
    assert next_epoch(-1) == -1


def test_the_partition_budget_bounds_the_cache():
    cache = FetchSessionCache(10, clock=Clock())
    cache.max_partitions = 100
    a = _open(cache, 60)
    assert a
    assert _open(cache, 41) == 0  # 60 + 41 > 100: answered in full, no session kept
    assert _open(cache, 40)
    # growing a session past the budget drops it; its client gets a full fetch next
    ctx = new_context(cache, 12, _req(5, a, 1, first=60), False)
    assert ctx.error == FETCH_SESSION_ID_NOT_FOUND and cache.get(a) is None
    assert cache.cached_partitions() == 40
