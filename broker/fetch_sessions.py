"""Incremental fetch sessions (KIP-227), the broker's side: Kafka's FetchSession.scala
(FetchSessionCache, FetchManager.newContext, CachedPartition) in our own terms.

A full fetch (epoch 0) names every partition and, when the cache has room, opens a session; the
answer carries its id. The client then sends incremental fetches (same id, epoch 1, 2, …) naming
only partitions whose fetch state changed plus `forgotten_topics_data`; the broker reads every
partition of the session and answers only those with records, a changed high watermark or log
start offset, or an error. Epoch -1 closes a session (and asks for none). The cache holds at most
`max.incremental.fetch.session.cache.slots` sessions holding MAX_CACHED_PARTITIONS partitions
in all; when full, a new session evicts one unused
for two minutes, else one worth less (Kafka's EvictableKey: follower sessions outrank consumer
sessions, then bigger outranks smaller)."""

from __future__ import annotations

import random
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .protocol.errors import ErrorCode

INVALID_SESSION_ID = 0
INITIAL_EPOCH = 0
FINAL_EPOCH = -1
EVICTION_MS = 120_000  # Kafka's BrokerServer/KafkaServer: new FetchSessionCache(slots, 2 * 60 * 1000)
_MAX_EPOCH = 2**31 - 1
# Ours, not Kafka's (whose cache only counts them): all sessions together hold at most this many
# partitions (~300 bytes each), so incremental requests cannot grow the cache without bound. A
# session that would pass it is not kept: its client falls back to full fetches.
MAX_CACHED_PARTITIONS = 200_000

FETCH_SESSION_ID_NOT_FOUND = 70
INVALID_FETCH_SESSION_EPOCH = 71
FETCH_SESSION_TOPIC_ID_ERROR = 106


def next_epoch(epoch: int) -> int:
    """Kafka's FetchMetadata.nextEpoch: wraps past Int.MaxValue to 1 (0 means "full")."""
    if epoch < 0:
        return FINAL_EPOCH
    return 1 if epoch == _MAX_EPOCH else epoch + 1


Key = tuple[Any, int]  # (topic id in v13+, else topic name; partition): Kafka keys by what the request names


@dataclass
class CachedPartition:
    """One partition of a session: the fetcher's last stated fetch state, and what we last told it."""

    topic: str | None
    topic_id: uuid.UUID
    partition: int
    fetch_offset: int
    current_leader_epoch: int
    last_fetched_epoch: int
    log_start_offset: int
    partition_max_bytes: int
    high_watermark: int = -1
    local_log_start_offset: int = -1

    def update_request(self, p: dict) -> None:
        self.fetch_offset = p["fetch_offset"]
        self.current_leader_epoch = p["current_leader_epoch"]
        self.last_fetched_epoch = p["last_fetched_epoch"]
        self.log_start_offset = p["log_start_offset"]
        self.partition_max_bytes = p["partition_max_bytes"]

    def as_request(self) -> dict:
        return {
            "partition": self.partition,
            "fetch_offset": self.fetch_offset,
            "current_leader_epoch": self.current_leader_epoch,
            "last_fetched_epoch": self.last_fetched_epoch,
            "log_start_offset": self.log_start_offset,
            "partition_max_bytes": self.partition_max_bytes,
        }

    def must_respond(self, entry: dict) -> bool:
        """Kafka's CachedPartition.maybeUpdateResponseData: whether an incremental answer includes
        this partition, remembering what it then tells the fetcher. An error resets the cached
        high watermark so the partition is sent again once the error is gone."""
        respond = bool(entry["records"])
        if entry["high_watermark"] != self.high_watermark:
            respond, self.high_watermark = True, entry["high_watermark"]
        if entry["log_start_offset"] != self.local_log_start_offset:
            respond, self.local_log_start_offset = True, entry["log_start_offset"]
        if entry.get("preferred_read_replica", -1) >= 0:
            respond = True
        if entry["error_code"] != ErrorCode.NONE:
            respond, self.high_watermark = True, -1
        return respond


@dataclass
class FetchSession:
    id: int
    privileged: bool  # a follower's session (Kafka: isFromFollower)
    uses_topic_ids: bool  # opened by Fetch v13+
    last_used_ms: float
    epoch: int = 1  # the epoch the next incremental request must carry
    partitions: dict[Key, CachedPartition] = field(default_factory=dict)  # insertion order = read order

    def evictable_key(self) -> tuple[bool, int, int]:
        """Kafka's EvictableKey order: consumer sessions before follower sessions, then smaller first."""
        return (self.privileged, len(self.partitions), self.id)


class FetchSessionCache:
    """Kafka's FetchSessionCache: bounded in count, least-valuable or stale sessions evicted."""

    def __init__(
        self, max_entries: int, eviction_ms: int = EVICTION_MS, clock: Callable[[], float] | None = None
    ):
        self.max_entries = max_entries
        self.eviction_ms = eviction_ms
        self._clock = clock or (lambda: time.monotonic() * 1000)
        self.sessions: dict[int, FetchSession] = {}  # by last use, oldest first (touch re-inserts)
        self.evictions = 0
        self.max_partitions = MAX_CACHED_PARTITIONS

    def cached_partitions(self) -> int:
        return sum(len(s.partitions) for s in self.sessions.values())

    def now_ms(self) -> float:
        return self._clock()

    def get(self, session_id: int) -> FetchSession | None:
        return self.sessions.get(session_id)

    def touch(self, session: FetchSession, now_ms: float) -> None:
        session.last_used_ms = now_ms
        self.sessions.pop(session.id, None)
        self.sessions[session.id] = session

    def remove(self, session_id: int) -> FetchSession | None:
        return self.sessions.pop(session_id, None)

    def maybe_create(
        self, privileged: bool, uses_topic_ids: bool, partitions: dict[Key, CachedPartition]
    ) -> int:
        """Open a session when there is a free slot or one can be evicted; INVALID_SESSION_ID if not."""
        if self.max_entries <= 0 or self.cached_partitions() + len(partitions) > self.max_partitions:
            return INVALID_SESSION_ID
        now = self.now_ms()
        if len(self.sessions) >= self.max_entries and not self._try_evict(privileged, len(partitions), now):
            return INVALID_SESSION_ID
        session_id = self._new_id()
        self.sessions[session_id] = FetchSession(
            session_id, privileged, uses_topic_ids, now, next_epoch(INITIAL_EPOCH), partitions
        )
        return session_id

    def _try_evict(self, privileged: bool, size: int, now: float) -> bool:
        """Kafka's tryEvict: first a session unused for eviction_ms; else the least valuable one,
        if it is worth no more than the new one (a follower may evict only consumer sessions)."""
        oldest = next(iter(self.sessions.values()))
        if now - oldest.last_used_ms > self.eviction_ms:
            self._evict(oldest.id)
            return True
        candidates = [s for s in self.sessions.values() if not (privileged and s.privileged)]
        if not candidates:
            return False
        victim = min(candidates, key=FetchSession.evictable_key)
        if (privileged, size, 0) < victim.evictable_key():
            return False
        self._evict(victim.id)
        return True

    def _evict(self, session_id: int) -> None:
        self.sessions.pop(session_id, None)
        self.evictions += 1

    def _new_id(self) -> int:
        while True:  # Kafka's newSessionId: random, positive, unused
            sid = random.randint(1, _MAX_EPOCH)
            if sid not in self.sessions:
                return sid


_caches: weakref.WeakKeyDictionary[object, FetchSessionCache] = weakref.WeakKeyDictionary()


def cache_of(node) -> FetchSessionCache:
    """The broker's one cache (Kafka's FetchManager holds one per broker)."""
    c = _caches.get(node)
    if c is None:
        c = _caches[node] = FetchSessionCache(node.config["max.incremental.fetch.session.cache.slots"])
    return c


class FetchContext:
    """What one Fetch request reads and how its answer is shaped (Kafka's FetchContext kinds:
    SessionErrorContext, SessionlessFetchContext, FullFetchContext, IncrementalFetchContext)."""

    def __init__(
        self,
        cache: FetchSessionCache,
        kind: str,
        error: int = ErrorCode.NONE,
        session: FetchSession | None = None,
        privileged: bool = False,
        uses_topic_ids: bool = False,
    ):
        self.cache, self.kind, self.error, self.session = cache, kind, error, session
        self.privileged, self.uses_topic_ids = privileged, uses_topic_ids

    def topics_to_read(self, req: dict) -> list[dict]:
        """The partitions to read, in the request's shape: the request's own, or the session's."""
        if self.kind != "incremental":
            return req["topics"]
        assert self.session is not None
        grouped: dict[tuple, dict] = {}
        for cp in self.session.partitions.values():
            t = grouped.setdefault(
                (cp.topic, cp.topic_id), {"topic": cp.topic, "topic_id": cp.topic_id, "partitions": []}
            )
            t["partitions"].append(cp.as_request())
        return list(grouped.values())

    def respond(self, req: dict, responses: list[dict]) -> tuple[int, list[dict]]:
        """(session id, responses) for the answer; opens the session of a full fetch."""
        if self.kind == "sessionless":
            return INVALID_SESSION_ID, responses
        if self.kind == "full":
            parts = _cached_from_request(req["topics"], self.uses_topic_ids)
            for t in responses:
                for entry in t["partitions"]:
                    cp = parts.get((_topic_key(t, self.uses_topic_ids), entry["partition_index"]))
                    if cp is not None:
                        cp.must_respond(entry)
            return self.cache.maybe_create(self.privileged, self.uses_topic_ids, parts), responses
        assert self.session is not None
        out = []
        moved = []
        for t in responses:
            kept = []
            for entry in t["partitions"]:
                key = (_topic_key(t, self.uses_topic_ids), entry["partition_index"])
                cp = self.session.partitions.get(key)
                if cp is None or cp.must_respond(entry):
                    kept.append(entry)
                    if entry["records"] and cp is not None:
                        moved.append(key)
            if kept:
                out.append({**t, "partitions": kept})
        for key in moved:  # partitions that returned data go last next time (Kafka: fairness)
            self.session.partitions[key] = self.session.partitions.pop(key)
        return self.session.id, out


def _topic_key(t: dict, uses_topic_ids: bool):
    return t["topic_id"] if uses_topic_ids else t["topic"]


def _cached_from_request(topics: list[dict], uses_topic_ids: bool) -> dict[Key, CachedPartition]:
    out: dict[Key, CachedPartition] = {}
    for t in topics:
        for p in t["partitions"]:
            key = (_topic_key(t, uses_topic_ids), p["partition"])
            cp = out.get(key)
            if cp is None:
                out[key] = CachedPartition(
                    t["topic"],
                    t["topic_id"],
                    p["partition"],
                    p["fetch_offset"],
                    p["current_leader_epoch"],
                    p["last_fetched_epoch"],
                    p["log_start_offset"],
                    p["partition_max_bytes"],
                )
            else:
                cp.update_request(p)
    return out


def new_context(cache: FetchSessionCache, version: int, req: dict, privileged: bool) -> FetchContext:
    """Kafka's FetchManager.newContext. `req` is normalised (topic names and ids both filled)."""
    uses_topic_ids = version >= 13
    session_id, epoch = req["session_id"], req["session_epoch"]
    if version < 7 or epoch in (INITIAL_EPOCH, FINAL_EPOCH):
        if session_id != INVALID_SESSION_ID:
            cache.remove(session_id)  # a full fetch naming a session closes it
        if version < 7 or epoch == FINAL_EPOCH:
            return FetchContext(cache, "sessionless")
        return FetchContext(cache, "full", privileged=privileged, uses_topic_ids=uses_topic_ids)
    session = cache.get(session_id)
    if session is None:
        return FetchContext(cache, "error", FETCH_SESSION_ID_NOT_FOUND)
    if session.epoch != epoch:
        return FetchContext(cache, "error", INVALID_FETCH_SESSION_EPOCH)
    if session.uses_topic_ids != uses_topic_ids:
        return FetchContext(cache, "error", FETCH_SESSION_TOPIC_ID_ERROR)
    _update(session, req, uses_topic_ids)
    if cache.cached_partitions() > cache.max_partitions:  # bounded memory: drop it (see above)
        cache.remove(session.id)
        return FetchContext(cache, "error", FETCH_SESSION_ID_NOT_FOUND)
    session.epoch = next_epoch(session.epoch)
    cache.touch(session, cache.now_ms())
    return FetchContext(cache, "incremental", session=session, uses_topic_ids=uses_topic_ids)


def _update(session: FetchSession, req: dict, uses_topic_ids: bool) -> None:
    """Kafka's FetchSession.update: added and changed partitions from the request, then the
    forgotten ones dropped."""
    for key, cp in _cached_from_request(req["topics"], uses_topic_ids).items():
        have = session.partitions.get(key)
        if have is None:
            session.partitions[key] = cp
        else:
            have.update_request(cp.as_request())
    for t in req["forgotten_topics_data"]:
        name = t["topic_id"] if uses_topic_ids else t["topic"]
        for p in t["partitions"]:
            session.partitions.pop((name, p), None)
