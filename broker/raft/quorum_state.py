"""The quorum state of one voter, as Kafka's QuorumState keeps it: an epoch and a role
(Unattached, Voted, Candidate, Leader, Follower), persisted in `quorum-state` beside the metadata
log so a restarted voter never votes twice in one epoch (Kafka's FileQuorumStateStore layout).

Every change is logged as Kafka logs it: `Completed transition to FollowerState(...) from
CandidateState(...)` (org.apache.kafka.raft.QuorumState).
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..log4j import logger

STATE_FILE = "quorum-state"

UNATTACHED, VOTED, CANDIDATE, LEADER, FOLLOWER = "Unattached", "Voted", "Candidate", "Leader", "Follower"


def _vote(voter: int, granted: set[int], rejected: set[int]) -> str:
    return "GRANTED" if voter in granted else "REJECTED" if voter in rejected else "UNRECORDED"


@dataclass
class Role:
    name: str
    epoch: int
    leader_id: int = -1
    voted_id: int = -1
    election_timeout_ms: int = 0
    granted: set[int] = field(default_factory=set)
    rejected: set[int] = field(default_factory=set)
    retries: int = 0
    since: float = field(default_factory=time.monotonic)

    def describe(self, voters: list[int], local_id: int, fetch_timeout_ms: int) -> str:
        """The toString of Kafka's state classes (UnattachedState, VotedState, CandidateState,
        LeaderState, FollowerState), which is what the transition line prints."""
        vs = "[" + ", ".join(map(str, voters)) + "]"
        if self.name == UNATTACHED:
            return (
                f"Unattached(epoch={self.epoch}, voters={vs}, electionTimeoutMs={self.election_timeout_ms})"
            )
        if self.name == VOTED:
            return (
                f"Voted(epoch={self.epoch}, votedId={self.voted_id}, voters={vs}, "
                f"electionTimeoutMs={self.election_timeout_ms})"
            )
        if self.name == CANDIDATE:
            states = ", ".join(f"{v}={_vote(v, self.granted, self.rejected)}" for v in voters)
            return (
                f"CandidateState(localId={local_id}, epoch={self.epoch}, retries={self.retries}, "
                f"voteStates={{{states}}}, highWatermark=Optional.empty, "
                f"electionTimeoutMs={self.election_timeout_ms})"
            )
        if self.name == LEADER:
            return f"Leader(localId={local_id}, epoch={self.epoch}, voters={vs})"
        return (
            f"FollowerState(fetchTimeoutMs={fetch_timeout_ms}, epoch={self.epoch}, "
            f"leaderId={self.leader_id}, "
            f"voters={vs})"
        )


class QuorumState:
    def __init__(
        self,
        local_id: int,
        voters: list[int],
        directory: Path,
        election_timeout_ms: int,
        fetch_timeout_ms: int,
    ):
        self.local_id, self.voters = local_id, sorted(voters)
        self.path = directory / STATE_FILE
        self.election_timeout_ms, self.fetch_timeout_ms = election_timeout_ms, fetch_timeout_ms
        self.log = logger("org.apache.kafka.raft.QuorumState", f"[RaftManager id={local_id}]")
        self._role: Role | None = None  # None only until restored ("from null" in Kafka's first line)
        self._restore()

    @property
    def role(self) -> Role:
        """The current role: there always is one once the state is restored."""
        assert self._role is not None
        return self._role

    @property
    def epoch(self) -> int:
        return self._role.epoch if self._role else 0

    @property
    def leader_id(self) -> int:
        if self._role is None:
            return -1
        if self.role.name == LEADER:
            return self.local_id
        return self.role.leader_id if self.role.name == FOLLOWER else -1

    def is_leader(self) -> bool:
        return self._role is not None and self._role.name == LEADER

    def majority(self) -> int:
        return len(self.voters) // 2 + 1

    def random_timeout_ms(self) -> int:
        """Kafka's randomized election timeout: the configured value plus up to as much again."""
        return self.election_timeout_ms + random.randrange(self.election_timeout_ms + 1)

    def _restore(self) -> None:
        try:
            d = json.loads(self.path.read_text())
            epoch, leader, voted = int(d["leaderEpoch"]), int(d["leaderId"]), int(d["votedId"])
        except FileNotFoundError:
            self._become(Role(UNATTACHED, 0, election_timeout_ms=self.random_timeout_ms()))
            return
        except (OSError, ValueError, KeyError) as exc:
            raise RuntimeError(
                f"{self.path}: unreadable quorum state ({exc}); fix or remove the file"
            ) from None
        if leader >= 0 and leader != self.local_id:
            self._become(Role(FOLLOWER, epoch, leader_id=leader))
        elif voted >= 0 and leader < 0:
            self._become(Role(VOTED, epoch, voted_id=voted, election_timeout_ms=self.random_timeout_ms()))
        else:  # we led that epoch before the restart: Kafka resigns and elects again
            self._become(Role(UNATTACHED, epoch, election_timeout_ms=self.random_timeout_ms()))

    def _save(self) -> None:
        r = self.role
        assert r is not None
        body = {
            "clusterId": "",
            "leaderId": self.leader_id,
            "leaderEpoch": r.epoch,
            "votedId": r.voted_id if r.name in (VOTED, CANDIDATE) else -1,
            "appliedOffset": 0,
            "currentVoters": [{"voterId": v} for v in self.voters],
            "data_version": 0,
        }
        tmp = self.path.with_name(STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(body))
        os.replace(tmp, self.path)

    def _become(self, new: Role) -> None:
        old = self._role
        self._role = new
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._save()
        desc = lambda r: r.describe(self.voters, self.local_id, self.fetch_timeout_ms) if r else "null"  # noqa: E731
        self.log.info(f"Completed transition to {desc(new)} from {desc(old)}")

    # --- transitions (Kafka's QuorumState.transitionTo*) ---
    def to_unattached(self, epoch: int) -> None:
        self._become(Role(UNATTACHED, epoch, election_timeout_ms=self.random_timeout_ms()))

    def to_voted(self, epoch: int, candidate: int) -> None:
        self._become(Role(VOTED, epoch, voted_id=candidate, election_timeout_ms=self.random_timeout_ms()))

    def to_candidate(self) -> None:
        retries = self.role.retries + 1 if self._role and self._role.name == CANDIDATE else 1
        r = Role(
            CANDIDATE,
            self.epoch + 1,
            voted_id=self.local_id,
            election_timeout_ms=self.random_timeout_ms(),
            granted={self.local_id},
            retries=retries,
        )
        self._become(r)

    def to_leader(self) -> None:
        assert self.role is not None
        self._become(Role(LEADER, self.epoch, leader_id=self.local_id))

    def to_follower(self, epoch: int, leader: int) -> None:
        self._become(Role(FOLLOWER, epoch, leader_id=leader))
