"""The data of one classic group: members, generation, selected protocol, committed offsets.

Pure bookkeeping; the rules (who may join when, timers, what gets written) live in
coordinator.py."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from .offsets import CommittedOffset


class GroupState(StrEnum):
    EMPTY = "Empty"
    PREPARING_REBALANCE = "PreparingRebalance"
    COMPLETING_REBALANCE = "CompletingRebalance"
    STABLE = "Stable"
    DEAD = "Dead"


# Which state may follow which (Kafka's GroupState validPreviousStates, inverted).
VALID_NEXT = {
    GroupState.EMPTY: {GroupState.PREPARING_REBALANCE, GroupState.DEAD},
    GroupState.PREPARING_REBALANCE: {GroupState.COMPLETING_REBALANCE, GroupState.EMPTY, GroupState.DEAD},
    GroupState.COMPLETING_REBALANCE: {GroupState.PREPARING_REBALANCE, GroupState.STABLE, GroupState.DEAD},
    GroupState.STABLE: {GroupState.PREPARING_REBALANCE, GroupState.DEAD},
    GroupState.DEAD: {GroupState.DEAD},
}


@dataclass
class Member:
    member_id: str
    group_instance_id: str | None
    client_id: str
    client_host: str
    rebalance_timeout_ms: int
    session_timeout_ms: int
    protocol_type: str
    protocols: list[tuple[str, bytes]]  # (name, metadata) in the member's order of preference
    assignment: bytes = b""
    join_future: asyncio.Future | None = None  # set while its JoinGroup waits for the rebalance
    sync_future: asyncio.Future | None = None  # set while its SyncGroup waits for the leader
    join_version: int = 0
    is_new: bool = False
    heartbeat_timer: asyncio.TimerHandle | None = None

    @property
    def awaiting_join(self) -> bool:
        return self.join_future is not None and not self.join_future.done()

    @property
    def awaiting_sync(self) -> bool:
        return self.sync_future is not None and not self.sync_future.done()

    def answer_join(self, result: dict) -> None:
        """Complete this member's waiting JoinGroup, if one waits."""
        if self.join_future is not None and not self.join_future.done():
            self.join_future.set_result(result)

    def answer_sync(self, result: dict) -> None:
        """Complete this member's waiting SyncGroup, if one waits."""
        if self.sync_future is not None and not self.sync_future.done():
            self.sync_future.set_result(result)

    def metadata_for(self, protocol: str | None) -> bytes:
        for name, meta in self.protocols:
            if name == protocol:
                return meta
        return b""

    def matches(self, protocols: list[tuple[str, bytes]]) -> bool:
        return [(n, bytes(m)) for n, m in protocols] == [(n, bytes(m)) for n, m in self.protocols]


@dataclass
class RebalanceTiming:
    """Broker-side timestamps of one rebalance (time.monotonic seconds)."""

    first_join: float
    all_joined: float | None = None
    join_completed: float | None = None
    last_sync: float | None = None


@dataclass
class Group:
    group_id: str
    state: GroupState = GroupState.EMPTY
    generation_id: int = 0
    protocol_type: str | None = None
    protocol_name: str | None = None
    leader_id: str | None = None
    members: dict[str, Member] = field(default_factory=dict)
    pending_members: dict[str, asyncio.TimerHandle | None] = field(
        default_factory=dict
    )  # MEMBER_ID_REQUIRED handed out
    static_members: dict[str, str] = field(default_factory=dict)  # group.instance.id → member id
    pending_sync: set[str] = field(default_factory=set)
    offsets: dict[tuple[str, int], CommittedOffset] = field(default_factory=dict)
    state_timestamp_ms: int = -1
    new_member_added: bool = False
    join_timer: asyncio.TimerHandle | None = None
    sync_timer: asyncio.TimerHandle | None = None
    initial_delay_left_ms: int | None = None  # not None while in the initial-delay phase
    timing: RebalanceTiming | None = None

    def is_(self, state: GroupState) -> bool:
        return self.state is state

    def supported_protocol_counts(self) -> Counter:
        c: Counter = Counter()
        for m in self.members.values():
            c.update({name for name, _ in m.protocols})
        return c

    def supports_protocols(self, protocol_type: str, names: list[str]) -> bool:
        """Kafka's rule: an empty group takes any non-empty type and list; otherwise the type must
        match and at least one named protocol must be supported by every current member."""
        if self.is_(GroupState.EMPTY):
            return bool(protocol_type) and bool(names)
        counts = self.supported_protocol_counts()
        return self.protocol_type == protocol_type and any(counts[n] == len(self.members) for n in names)

    def select_protocol(self) -> str:
        """Candidates are the protocols every member supports; each member votes for the first
        candidate in its own preference order; most votes wins (ties: first in the leader's order)."""
        counts = self.supported_protocol_counts()
        n = len(self.members)
        candidates = [name for name, _ in next(iter(self.members.values())).protocols if counts[name] == n]
        if self.leader_id in self.members:
            candidates = [name for name, _ in self.members[self.leader_id].protocols if counts[name] == n]
        votes: Counter = Counter()
        for m in self.members.values():
            votes[next(name for name, _ in m.protocols if name in candidates)] += 1
        return max(candidates, key=lambda c: (votes[c], -candidates.index(c)))

    def all_members_joined(self) -> bool:
        return not self.pending_members and all(m.awaiting_join for m in self.members.values())

    def rebalance_timeout_ms(self) -> int:
        return max((m.rebalance_timeout_ms for m in self.members.values()), default=0)

    def static_member_fenced(self, instance_id: str | None, member_id: str) -> bool:
        return (
            instance_id is not None
            and instance_id in self.static_members
            and self.static_members[instance_id] != member_id
        )
