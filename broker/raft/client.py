"""One voter's Raft loop (Kafka's KafkaRaftClient, KIP-595): elections with Vote, the leader's
BeginQuorumEpoch, followers fetching `__cluster_metadata-0` from the leader, the high watermark
by majority, and EndQuorumEpoch on a graceful stop.

- Unattached/Voted: after a randomized `controller.quorum.election.timeout.ms` without a leader,
  become a candidate (epoch + 1, vote for self) and ask every other voter with Vote.
- Candidate: a majority of granted votes makes it the leader; otherwise it backs off (up to
  `controller.quorum.election.backoff.max.ms`) and tries again with a higher epoch.
- Leader: writes a LeaderChange control batch, tells the voters with BeginQuorumEpoch, serves
  their Fetch; the high watermark is the largest offset a majority of voters has, once it passes
  the start of this epoch. It resigns when a majority has not fetched for 1.5 fetch timeouts
  (Kafka's check-quorum).
- Follower: fetches from the leader; no answer for `controller.quorum.fetch.timeout.ms` → candidate.
  A divergence reported by the leader (DivergingEpoch) truncates the log to that point.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..apis import begin_quorum_epoch, end_quorum_epoch, vote
from ..cluster.channel import NodeChannel
from ..cluster.errors import ChannelError
from ..log.config import LogConfig
from ..log4j import logger
from ..protocol.errors import ErrorCode
from .metadata_log import PARTITION, TOPIC, MetadataLog
from .quorum_state import CANDIDATE, FOLLOWER, LEADER, UNATTACHED, VOTED, QuorumState

FETCH_VERSION = 12
FETCH_MAX_WAIT_MS = 500  # Kafka's raft fetch long-poll (KafkaRaftClient's fetchMaxWaitMs)
INCONSISTENT_VOTER_SET = 94


@dataclass
class ReplicaProgress:
    end_offset: int = -1
    last_fetch_ms: int = -1
    last_caught_up_ms: int = -1


def now_ms() -> int:
    return int(time.time() * 1000)


class RaftClient:
    def __init__(
        self,
        local_id: int,
        voters: dict[int, tuple[str, int]],
        cluster_id: str,
        log_dir: Path,
        log_config: LogConfig,
        cfg,
        is_voter: bool = True,
    ):
        self.local_id, self.voters, self.cluster_id = local_id, voters, cluster_id
        self.is_voter = is_voter
        self.election_timeout_ms = cfg["controller.quorum.election.timeout.ms"]
        self.fetch_timeout_ms = cfg["controller.quorum.fetch.timeout.ms"]
        self.backoff_max_ms = cfg["controller.quorum.election.backoff.max.ms"]
        self.request_timeout_s = cfg["controller.quorum.request.timeout.ms"] / 1000
        self.log = logger("org.apache.kafka.raft.KafkaRaftClient", f"[RaftManager id={local_id}]")
        self.net_log = logger("org.apache.kafka.clients.NetworkClient", f"[RaftManager id={local_id}]")
        self.mlog = MetadataLog(log_dir, log_config)
        self.state = QuorumState(
            local_id, list(voters), self.mlog.dir, self.election_timeout_ms, self.fetch_timeout_ms
        )
        self.high_watermark = 0
        self.hw_update_ms = -1
        self.epoch_start_offset = 0
        self.progress: dict[int, ReplicaProgress] = {}
        self.observers: dict[int, ReplicaProgress] = {}
        self.hw_sent: dict[int, int] = {}  # replica -> the high watermark its last Fetch answer carried
        self.begun: set[int] = set()  # voters that acknowledged BeginQuorumEpoch this epoch
        self._channels: dict[int, NodeChannel] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._changed = asyncio.Event()  # role/epoch changed
        self._appended = asyncio.Event()  # log end or high watermark moved (wakes long polls)
        self._last_leader_contact = time.monotonic()
        self._candidate_after = 0.0  # EndQuorumEpoch: when a preferred successor may stand
        # What the node wires in (broker/raft/setup.py): the controller's hooks.
        self.on_leader: Callable[[int], None] = lambda epoch: None
        self.on_resign: Callable[[], None] = lambda: None
        self.commit_listeners: list[Callable[[int], None]] = []  # called with each new high watermark
        self._task: asyncio.Task | None = None
        self._stopped = False  # a cancellation swallowed by wait_for must not keep the loop alive

    # --- helpers ---
    @property
    def others(self) -> list[int]:
        return [v for v in sorted(self.voters) if v != self.local_id]

    def channel(self, vid: int) -> NodeChannel:
        ch = self._channels.get(vid)
        if ch is None:
            host, port = self.voters[vid]
            ch = self._channels[vid] = NodeChannel(
                self.net_log, vid, host, port, f"raft-client-{self.local_id}"
            )
            self._locks[vid] = asyncio.Lock()
        return ch

    async def _send(self, vid: int, api, version: int, body: dict, timeout_s: float | None = None) -> dict:
        ch = self.channel(vid)
        async with self._locks[vid]:
            return await ch.request(api, version, body, timeout_s or self.request_timeout_s)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _wake_fetches(self) -> None:
        self._appended.set()
        self._appended = asyncio.Event()

    async def _wait_change(self, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(self._changed.wait(), max(timeout_s, 0))
        except TimeoutError:
            pass

    def last_fetched(self) -> tuple[int, int]:
        return self.mlog.last_epoch(), self.mlog.end_offset

    def _part(self, req: dict) -> dict | None:
        for t in req.get("topics") or []:
            if t["topic_name"] == TOPIC:
                for p in t["partitions"]:
                    if p["partition_index"] == PARTITION:
                        return p
        return None

    # --- transitions with side effects ---
    def _leave_leadership(self) -> None:
        if self.state.is_leader():
            self.on_resign()

    def become_unattached(self, epoch: int) -> None:
        self._leave_leadership()
        self.state.to_unattached(epoch)
        self._notify()

    def become_follower(self, epoch: int, leader: int) -> None:
        self._leave_leadership()
        self.state.to_follower(epoch, leader)
        self._last_leader_contact = time.monotonic()
        self._notify()

    def _become_leader(self) -> None:
        granting = sorted(self.state.role.granted)
        self.state.to_leader()
        epoch = self.state.epoch
        self.progress = {v: ReplicaProgress() for v in self.voters}
        self.begun = {self.local_id}
        self.epoch_start_offset = self.mlog.append_leader_change(
            epoch, self.local_id, sorted(self.voters), granting
        )
        self._update_hw()
        self.on_leader(epoch)
        self._notify()

    # --- the loop ---
    def is_only_voter(self) -> bool:
        return self.is_voter and set(self.voters) == {self.local_id}

    def start(self) -> None:
        # Kafka's KafkaRaftClient.initialize: the only voter stands at once and, being its own
        # majority, leads (no election timeout to wait out), before anything else runs.
        if self.is_only_voter() and not self.state.is_leader():
            self.state.to_candidate()
            self._become_leader()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while not self._stopped:
            try:
                role = self.state.role.name
                if not self.is_voter:
                    await self._follow()
                elif role == LEADER:
                    await self._lead()
                elif role == FOLLOWER:
                    await self._follow()
                elif role == CANDIDATE:
                    await self._campaign()
                else:
                    await self._await_election()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep the quorum alive; the next round retries
                self.log.error(f"Unexpected error in the raft loop: {exc}", exc_info=exc)
                await asyncio.sleep(0.2)

    async def _await_election(self) -> None:
        role = self.state.role
        deadline = role.since + role.election_timeout_ms / 1000
        deadline = max(deadline, self._candidate_after) if self._candidate_after else deadline
        left = deadline - time.monotonic()
        if left > 0:
            await self._wait_change(left)
            return
        if self.state.role is role:  # Kafka logs only the transition here
            self._candidate_after = 0.0
            self.state.to_candidate()
            self._notify()

    async def _campaign(self) -> None:
        role = self.state.role
        if len(role.granted) >= self.state.majority():  # a quorum of one
            self._become_leader()
            return
        last_epoch, end = self.last_fetched()
        body = {
            "cluster_id": self.cluster_id,
            "topics": [
                {
                    "topic_name": TOPIC,
                    "partitions": [
                        {
                            "partition_index": PARTITION,
                            "candidate_epoch": role.epoch,
                            "candidate_id": self.local_id,
                            "last_offset_epoch": last_epoch,
                            "last_offset": end,
                        }
                    ],
                }
            ],
        }
        pending = {asyncio.ensure_future(self._ask_vote(v, body)) for v in self.others}
        deadline = role.since + role.election_timeout_ms / 1000
        while pending and self.state.role is role:
            done, pending = await asyncio.wait(
                pending, timeout=max(deadline - time.monotonic(), 0), return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                break
            for f in done:
                res = f.result()
                if res is None or self.state.role is not role:
                    continue
                vid, p = res
                if p["leader_epoch"] > role.epoch:
                    self._on_higher_epoch(p["leader_epoch"], p["leader_id"])
                    break
                if p["leader_epoch"] == role.epoch and p["leader_id"] not in (-1, self.local_id):
                    # another voter won this epoch: follow it (KafkaRaftClient's
                    # maybeHandleCommonResponse, a known leader at our own epoch)
                    self.become_follower(role.epoch, p["leader_id"])
                    break
                (role.granted if p["vote_granted"] else role.rejected).add(vid)
                if len(role.granted) >= self.state.majority():
                    self._become_leader()
                    break
        for f in pending:
            f.cancel()
        if self.state.role is role:  # lost or timed out: back off, then stand again
            left = deadline - time.monotonic()
            if left > 0:
                await self._wait_change(left)
            if self.state.role is role:
                # Kafka's binary exponential backoff: up to 2^retries x retry backoff, capped
                cap = min(self.backoff_max_ms, 50 * 2 ** min(role.retries, 10))
                backoff_ms = random.randint(0, max(cap, 1))
                self.log.info(
                    f"Election has timed out, backing off for {backoff_ms}ms before becoming a "
                    "candidate again"
                )
                await self._wait_change(backoff_ms / 1000)
            if self.state.role is role:
                self.log.info("Re-elect as candidate after election backoff has completed")
                self.state.to_candidate()
                self._notify()

    async def _ask_vote(self, vid: int, body: dict) -> tuple[int, dict] | None:
        try:
            resp = await self._send(vid, vote.API, 0, body)
        except ChannelError:
            return None
        p = self._part(resp)
        if resp["error_code"] or p is None:
            if resp["error_code"]:
                self.log.info(f"Vote request to {vid} failed with {ErrorCode(resp['error_code']).name}")
            return None
        return vid, p

    def _on_higher_epoch(self, epoch: int, leader: int) -> None:
        if epoch <= self.state.epoch:
            return
        if leader >= 0 and leader != self.local_id:
            self.become_follower(epoch, leader)
        else:
            self.become_unattached(epoch)

    async def _lead(self) -> None:
        role = self.state.role
        for v in self.others:
            if v not in self.begun:
                asyncio.ensure_future(self._begin_epoch(v, role.epoch))
        await self._wait_change(0.5)
        if self.state.role is not role:
            return
        # Kafka's check-quorum: a leader that a majority has not fetched from steps down.
        window_ms = self.fetch_timeout_ms * 1.5
        if (time.monotonic() - role.since) * 1000 > window_ms:
            t = now_ms()
            fetched = [
                v for v, p in self.progress.items() if v == self.local_id or t - p.last_fetch_ms <= window_ms
            ]
            if len(fetched) < self.state.majority():
                self.log.info(
                    "Did not receive fetch request from the majority of the voters within "
                    f"{int(window_ms)}ms. "
                    f"Current fetched voters are {sorted(v for v in fetched if v != self.local_id)}."
                )
                self.become_unattached(role.epoch)

    async def _begin_epoch(self, vid: int, epoch: int) -> None:
        body = {
            "cluster_id": self.cluster_id,
            "topics": [
                {
                    "topic_name": TOPIC,
                    "partitions": [
                        {"partition_index": PARTITION, "leader_id": self.local_id, "leader_epoch": epoch}
                    ],
                }
            ],
        }
        try:
            resp = await self._send(vid, begin_quorum_epoch.API, 0, body)
        except ChannelError:
            return
        p = self._part(resp)
        if p is not None and not resp["error_code"]:
            if p["leader_epoch"] > epoch:
                self._on_higher_epoch(p["leader_epoch"], p["leader_id"])
            elif p["error_code"] == ErrorCode.NONE and self.state.epoch == epoch:
                self.begun.add(vid)

    async def _follow(self) -> None:
        role = self.state.role
        leader = self.state.leader_id
        if leader < 0:  # an observer that does not know the leader: ask the voters in turn
            leader = random.choice(list(self.voters))
        last_epoch, end = self.last_fetched()
        body = {
            "cluster_id": self.cluster_id,
            "replica_id": self.local_id,
            "max_wait_ms": FETCH_MAX_WAIT_MS,
            "min_bytes": 0,
            "max_bytes": 8 << 20,
            "isolation_level": 0,
            "session_id": 0,
            "session_epoch": -1,
            "topics": [
                {
                    "topic": TOPIC,
                    "partitions": [
                        {
                            "partition": PARTITION,
                            "current_leader_epoch": self.state.epoch,
                            "fetch_offset": end,
                            "last_fetched_epoch": last_epoch,
                            "log_start_offset": 0,
                            "partition_max_bytes": 8 << 20,
                        }
                    ],
                }
            ],
            "forgotten_topics_data": [],
            "rack_id": "",
        }
        from ..apis import fetch as fetch_api

        try:
            resp = await self._send(
                leader, fetch_api.API, FETCH_VERSION, body, self.request_timeout_s + FETCH_MAX_WAIT_MS / 1000
            )
        except ChannelError:
            resp = None
        if self.state.role is not role:
            return
        if resp is not None and self._handle_fetch_response(resp):
            self._last_leader_contact = time.monotonic()
            return
        timed_out = (time.monotonic() - self._last_leader_contact) * 1000 > self.fetch_timeout_ms
        if not self.is_voter and timed_out and self.state.leader_id >= 0:
            self.log.info(
                f"No answer from leader {leader} for {self.fetch_timeout_ms} ms; looking for the leader"
            )
            self.become_unattached(self.state.epoch)
            self._last_leader_contact = time.monotonic()
            return
        if self.is_voter and timed_out:
            self.log.info("Become candidate due to fetch timeout")
            self.state.to_candidate()
            self._notify()
            return
        await self._wait_change(0.1)

    def _handle_fetch_response(self, resp: dict) -> bool:
        """True when the leader answered this epoch's fetch (its contact counts)."""
        if resp["error_code"]:
            return False
        part = next(
            (p for t in resp["responses"] if t["topic"] == TOPIC for p in t["partitions"]),
            None,
        )
        if part is None:
            return False
        current = part.get("current_leader") or {}
        if current.get("leader_epoch", -1) > self.state.epoch:
            self._on_higher_epoch(current["leader_epoch"], current.get("leader_id", -1))
            return False
        known = current.get("leader_id", -1)
        if (
            current.get("leader_epoch", -1) == self.state.epoch
            and self.state.leader_id < 0
            and known >= 0
            and known != self.local_id
            and self.state.role.name != CANDIDATE
        ):  # the leader of our epoch, learnt from a voter that knows it (Kafka: transition to follower)
            self.become_follower(self.state.epoch, known)
            return False
        if part["error_code"] != ErrorCode.NONE:
            return False
        diverging = part.get("diverging_epoch")
        if diverging and diverging.get("end_offset", -1) >= 0:
            target = min(diverging["end_offset"], self.mlog.end_offset)
            self.log.info(
                f"Truncated to offset {target} from Fetch response from leader {self.state.leader_id} "
                f"(diverging epoch {diverging['epoch']})"
            )
            self.mlog.truncate_to(target)
            return True
        records = part["records"]
        if records:
            self.mlog.append_replicated(bytes(records), flush=self.is_voter)
        hw = min(part["high_watermark"], self.mlog.end_offset)
        if hw > self.high_watermark:
            self.high_watermark = hw
            self._committed(hw)
        return True

    def _committed(self, hw: int) -> None:
        for listener in self.commit_listeners:
            listener(hw)

    # --- leader bookkeeping ---
    def _update_hw(self) -> None:
        self.progress.setdefault(self.local_id, ReplicaProgress()).end_offset = self.mlog.end_offset
        offsets = sorted((p.end_offset for v, p in self.progress.items() if v in self.voters), reverse=True)
        if len(offsets) < self.state.majority():
            return
        candidate = offsets[self.state.majority() - 1]
        if candidate > self.epoch_start_offset and candidate > self.high_watermark:
            self.high_watermark = candidate
            self.hw_update_ms = now_ms()
            self._committed(candidate)
            self._wake_fetches()

    def append(self, values: list[bytes]) -> int:
        """Leader only: write controller records; they count once the high watermark passes."""
        if not self.state.is_leader():
            raise NotLeaderError()
        offset = self.mlog.append_values(self.state.epoch, values)
        self._update_hw()
        self._wake_fetches()
        return offset

    # --- RPC handlers (broker/apis/vote.py and friends call these) ---
    def _check_cluster(self, cluster_id: str | None) -> bool:
        return cluster_id is None or cluster_id == self.cluster_id

    def _answer(self, p_err: int, extra: dict | None = None, top: int = 0) -> dict:
        part = {
            "partition_index": PARTITION,
            "error_code": p_err,
            "leader_id": self.state.leader_id,
            "leader_epoch": self.state.epoch,
        }
        part.update(extra or {})
        return {"error_code": top, "topics": [{"topic_name": TOPIC, "partitions": [part]}]}

    def _addressed(self, req: dict) -> tuple[dict | None, dict | None]:
        """(the request's partition of __cluster_metadata, None), or (None, the top-level answer
        that refuses it): another cluster's id (INCONSISTENT_CLUSTER_ID), or no such partition
        (INVALID_REQUEST), checked first by Vote, BeginQuorumEpoch and EndQuorumEpoch alike."""
        if not self._check_cluster(req["cluster_id"]):
            return None, {"error_code": ErrorCode.INCONSISTENT_CLUSTER_ID, "topics": []}
        p = self._part(req)
        if p is None:
            return None, {"error_code": ErrorCode.INVALID_REQUEST, "topics": []}
        return p, None

    def handle_vote(self, req: dict) -> dict:
        p, refused = self._addressed(req)
        if refused is not None:
            return refused
        assert p is not None
        cand, epoch = p["candidate_id"], p["candidate_epoch"]
        if cand not in self.voters:
            return self._answer(INCONSISTENT_VOTER_SET, {"vote_granted": False})
        if epoch < self.state.epoch:
            return self._answer(ErrorCode.FENCED_LEADER_EPOCH, {"vote_granted": False})
        if epoch > self.state.epoch:
            self.become_unattached(epoch)
        role = self.state.role
        ours = self.last_fetched()
        log_ok = (p["last_offset_epoch"], p["last_offset"]) >= ours
        if role.name == VOTED:
            granted = role.voted_id == cand
        elif role.name == UNATTACHED:
            granted = log_ok
            if granted:
                self.state.to_voted(epoch, cand)
                self._notify()
        else:
            granted = False
        if not granted:
            self.log.info(
                f"Rejecting vote request from candidate {cand} in epoch {epoch}: state {role.name}"
                + (
                    ""
                    if log_ok
                    else f", candidate log ({p['last_offset_epoch']}, {p['last_offset']}) behind ours {ours}"
                )
            )
        return self._answer(ErrorCode.NONE, {"vote_granted": granted})

    def handle_begin_epoch(self, req: dict) -> dict:
        p, refused = self._addressed(req)
        if refused is not None:
            return refused
        assert p is not None
        epoch, leader = p["leader_epoch"], p["leader_id"]
        if epoch < self.state.epoch:
            return self._answer(ErrorCode.FENCED_LEADER_EPOCH)
        if leader not in self.voters:
            return self._answer(INCONSISTENT_VOTER_SET)
        if not (
            self.state.role.name == FOLLOWER and self.state.epoch == epoch and self.state.leader_id == leader
        ):
            if leader != self.local_id:
                self.become_follower(epoch, leader)
        return self._answer(ErrorCode.NONE)

    def handle_end_epoch(self, req: dict) -> dict:
        p, refused = self._addressed(req)
        if refused is not None:
            return refused
        assert p is not None
        epoch, leader = p["leader_epoch"], p["leader_id"]
        if epoch < self.state.epoch:
            return self._answer(ErrorCode.FENCED_LEADER_EPOCH)
        if epoch == self.state.epoch and self.state.leader_id == leader and leader != self.local_id:
            successors = [s for s in p["preferred_successors"] if s != leader]
            # Kafka: the first preferred successor stands at once, the others after a backoff
            # that grows with their position, so the most caught-up voter usually wins.
            pos = successors.index(self.local_id) if self.local_id in successors else len(successors)
            self.log.info(f"Leader {leader} ended epoch {epoch}; standing for election (position {pos})")
            self.become_unattached(epoch)
            self._candidate_after = time.monotonic() + pos * self.backoff_max_ms / 1000 / max(
                len(successors), 1
            )
            self.state.role.election_timeout_ms = 0
        return self._answer(ErrorCode.NONE)

    def handle_fetch(self, req: dict) -> tuple[dict, bool]:
        """Serve one KRaft Fetch of __cluster_metadata-0: (partition answer, has data)."""
        p = next(
            (
                p
                for t in req["topics"]
                if t["topic"] == TOPIC
                for p in t["partitions"]
                if p["partition"] == PARTITION
            ),
            None,
        )
        base: dict = {"partition_index": PARTITION, "high_watermark": self.high_watermark, "records": None}
        base["current_leader"] = {"leader_id": self.state.leader_id, "leader_epoch": self.state.epoch}
        if p is None:
            return dict(base, error_code=ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), False
        epoch = p["current_leader_epoch"]
        if epoch < self.state.epoch:
            return dict(base, error_code=ErrorCode.FENCED_LEADER_EPOCH), False
        if epoch > self.state.epoch:
            return dict(base, error_code=ErrorCode.UNKNOWN_LEADER_EPOCH), False
        if not self.state.is_leader():
            return dict(base, error_code=ErrorCode.NOT_LEADER_OR_FOLLOWER), False
        offset, last_epoch, replica = p["fetch_offset"], p["last_fetched_epoch"], req["replica_id"]
        if offset > 0 and last_epoch >= 0:
            e, end = self.mlog.end_offset_for_epoch(last_epoch)
            if e != last_epoch or end < offset:
                return dict(
                    base,
                    error_code=ErrorCode.NONE,
                    records=b"",
                    diverging_epoch={"epoch": e, "end_offset": end},
                ), True
        if offset > self.mlog.end_offset:
            return dict(base, error_code=ErrorCode.OFFSET_OUT_OF_RANGE), False
        t = now_ms()
        table = self.progress if replica in self.voters else self.observers
        if replica >= 0:
            prog = table.setdefault(replica, ReplicaProgress())
            prog.end_offset, prog.last_fetch_ms = offset, t
            if offset >= self.mlog.end_offset:
                prog.last_caught_up_ms = t
            if table is self.progress:
                self._update_hw()
        data = self.mlog.read(offset, p["partition_max_bytes"])
        base["high_watermark"] = self.high_watermark
        return dict(base, error_code=ErrorCode.NONE, records=data, log_start_offset=0), bool(data)

    def handle_describe_quorum(self, req: dict) -> dict:
        if not self.state.is_leader():
            return {
                "error_code": ErrorCode.NONE,
                "topics": [
                    {
                        "topic_name": TOPIC,
                        "partitions": [
                            {
                                "partition_index": PARTITION,
                                "error_code": ErrorCode.NOT_LEADER_OR_FOLLOWER,
                                "leader_id": self.state.leader_id,
                                "leader_epoch": self.state.epoch,
                                "high_watermark": -1,
                                "current_voters": [],
                                "observers": [],
                            }
                        ],
                    }
                ],
            }
        t = now_ms()

        def row(vid: int, prog: ReplicaProgress) -> dict:
            if vid == self.local_id:  # Kafka reports the leader as caught up now, last fetch -1
                return {
                    "replica_id": vid,
                    "log_end_offset": self.mlog.end_offset,
                    "last_fetch_timestamp": -1,
                    "last_caught_up_timestamp": t,
                }
            return {
                "replica_id": vid,
                "log_end_offset": prog.end_offset,
                "last_fetch_timestamp": prog.last_fetch_ms,
                "last_caught_up_timestamp": prog.last_caught_up_ms,
            }

        return {
            "error_code": ErrorCode.NONE,
            "topics": [
                {
                    "topic_name": TOPIC,
                    "partitions": [
                        {
                            "partition_index": PARTITION,
                            "error_code": ErrorCode.NONE,
                            "leader_id": self.local_id,
                            "leader_epoch": self.state.epoch,
                            "high_watermark": self.high_watermark,
                            "current_voters": [
                                row(v, self.progress.get(v, ReplicaProgress())) for v in sorted(self.voters)
                            ],
                            "observers": [row(o, p) for o, p in sorted(self.observers.items())],
                        }
                    ],
                }
            ],
        }

    async def wait_appended(self, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(self._appended.wait(), max(timeout_s, 0))
        except TimeoutError:
            pass

    # --- shutdown ---
    async def close(self) -> None:
        self.log.info("Beginning graceful shutdown")
        if self.state.is_leader() and self.is_voter:
            await self._resign_gracefully()
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            try:
                await asyncio.wait_for(self._task, 3.0)
            except (asyncio.CancelledError, Exception):
                pass
        for ch in self._channels.values():
            ch.close()
        self.mlog.close()

    async def _resign_gracefully(self) -> None:
        """EndQuorumEpoch to the other voters, most caught-up first (Kafka's graceful resign)."""
        successors = sorted(self.others, key=lambda v: -self.progress.get(v, ReplicaProgress()).end_offset)
        body = {
            "cluster_id": self.cluster_id,
            "topics": [
                {
                    "topic_name": TOPIC,
                    "partitions": [
                        {
                            "partition_index": PARTITION,
                            "leader_id": self.local_id,
                            "leader_epoch": self.state.epoch,
                            "preferred_successors": successors,
                        }
                    ],
                }
            ],
        }
        self.on_resign()
        await asyncio.gather(*(self._end_one(v, body) for v in successors), return_exceptions=True)

    async def _end_one(self, vid: int, body: dict) -> None:
        try:
            await self._send(vid, end_quorum_epoch.API, 0, body, 1.0)
        except ChannelError:
            pass


class NotLeaderError(Exception):
    pass
