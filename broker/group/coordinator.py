"""The classic group coordinator: Empty → PreparingRebalance → CompletingRebalance → Stable (+ Dead).

Follows Kafka's GroupCoordinator rules: the first member to join leads and receives every
member's metadata, the leader's assignment is relayed without being interpreted, member ids are
handed out with MEMBER_ID_REQUIRED (JoinGroup v4+), static members (group.instance.id) that come
back within their session timeout replace their old member id without a rebalance, and silent
members are removed when their session timeout passes. Everything runs on the event loop.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

from ..log4j import logger
from .errors import GroupError
from .inspection import OffsetsAndInspection
from .offsets import StoredGroup, StoredMember
from .partitioning import OFFSETS_TOPIC
from .state import VALID_NEXT, Group, GroupState, Member, RebalanceTiming
from .store import OffsetsTopic, setting

E = GroupError
S = GroupState
MAX_TIMINGS = 200


@dataclass
class JoinRequest:
    group_id: str
    member_id: str
    group_instance_id: str | None
    client_id: str
    client_host: str
    session_timeout_ms: int
    rebalance_timeout_ms: int
    protocol_type: str
    protocols: list[tuple[str, bytes]]
    require_known_member_id: bool


def _join_error(code: GroupError, member_id: str = "") -> dict:
    return {
        "error_code": code,
        "generation_id": -1,
        "protocol_type": None,
        "protocol_name": None,
        "leader": "",
        "member_id": member_id,
        "members": [],
    }


class GroupCoordinator(OffsetsAndInspection):
    def __init__(self, node):
        self.node = node
        self.topic = OffsetsTopic(node)
        self.groups: dict[str, Group] = {}
        self.log = logger("kafka.coordinator.group.GroupCoordinator", f"[GroupCoordinator {node.node_id}]:")
        self.initial_delay_ms = setting(node, "group.initial.rebalance.delay.ms", 3000)
        self.min_session_ms = setting(node, "group.min.session.timeout.ms", 6000)
        self.max_session_ms = setting(node, "group.max.session.timeout.ms", 1800000)
        self.max_metadata_bytes = setting(node, "offset.metadata.max.bytes", 4096)
        self.timings: list[dict] = []  # finished rebalances, newest last (for benchmarks and tools)
        self.loaded = False
        self.loaded_partitions: set[int] = set()

    # --- start-up ---
    def load(self) -> None:
        """Rebuild groups and offsets from the `__consumer_offsets` partitions this node leads and
        has not loaded yet (all of them on a single node, on first use)."""
        if not self.topic.exists():
            return
        info = self.node.metadata.topics[OFFSETS_TOPIC]
        mine = [
            p
            for p, part in sorted(info.partitions.items())
            if part.leader == self.node.node_id and p not in self.loaded_partitions
        ]
        self.loaded = True
        if mine:
            self._load_partitions(mine)

    def _load_partitions(self, partitions: list[int]) -> None:
        self.loaded_partitions.update(partitions)
        groups, offsets, ms = self.topic.load(partitions)
        for gid, sg in groups.items():
            g = self.groups.setdefault(gid, Group(gid))
            g.protocol_type = sg.protocol_type or None
            g.generation_id, g.protocol_name, g.leader_id = sg.generation, sg.protocol, sg.leader
            g.state_timestamp_ms = sg.current_state_timestamp
            for sm in sg.members:
                m = Member(
                    sm.member_id,
                    sm.group_instance_id,
                    sm.client_id,
                    sm.client_host,
                    sm.rebalance_timeout,
                    sm.session_timeout,
                    sg.protocol_type,
                    [(sg.protocol or "", sm.subscription)],
                    sm.assignment,
                )
                g.members[m.member_id] = m
                if m.group_instance_id:
                    g.static_members[m.group_instance_id] = m.member_id
                self._schedule_expiry(g, m)
            g.state = S.STABLE if g.members else S.EMPTY
        for gid, offs in offsets.items():
            self.groups.setdefault(gid, Group(gid)).offsets.update(offs)
        which = (
            ""
            if len(partitions) == len(self.node.metadata.topics[OFFSETS_TOPIC].partitions)
            else f"partition(s) {','.join(map(str, partitions))} "
        )
        self.log.info(
            f"Finished loading offsets and group metadata from {OFFSETS_TOPIC} {which}"
            f"in {ms:.0f} milliseconds: "
            f"{len(groups)} group(s), {sum(len(o) for o in offsets.values())} committed offset(s)"
        )

    def on_leadership(self, partition: int, leader: bool) -> None:
        """A `__consumer_offsets` partition became ours (load its groups) or another broker's
        (unload them: their members are told NOT_COORDINATOR and find the new coordinator)."""
        if leader:
            if self.loaded and partition not in self.loaded_partitions:
                self._load_partitions([partition])
            return
        if partition not in self.loaded_partitions:
            return
        self.loaded_partitions.discard(partition)
        for gid in [gid for gid in self.groups if self.topic.partition_for(gid) == partition]:
            self._unload(self.groups.pop(gid))
        self.log.info(f"Unloaded the groups of {OFFSETS_TOPIC}-{partition} (no longer its leader)")

    # --- helpers ---
    def _where(self, g: Group) -> str:
        return f"{OFFSETS_TOPIC}-{self.topic.partition_for(g.group_id)}"

    def coordinator_error(self, group_id: str | None) -> GroupError:
        if not group_id:
            return E.INVALID_GROUP_ID
        leader = self.topic.leader_of(group_id)
        if leader is None or leader != self.node.node_id:
            return E.NOT_COORDINATOR
        self.load()
        return E.NONE

    def _transition(self, g: Group, state: GroupState) -> None:
        if state not in VALID_NEXT[g.state]:
            raise RuntimeError(f"group {g.group_id}: illegal transition {g.state.value} → {state.value}")
        g.state = state
        g.state_timestamp_ms = int(time.time() * 1000)

    def _schedule_expiry(self, g: Group, m: Member) -> None:
        if m.heartbeat_timer is not None:
            m.heartbeat_timer.cancel()
        loop = asyncio.get_running_loop()
        m.heartbeat_timer = loop.call_later(m.session_timeout_ms / 1000, self._on_expire, g, m)

    def _on_expire(self, g: Group, m: Member) -> None:
        m.heartbeat_timer = None
        if g.members.get(m.member_id) is not m:
            return
        if m.awaiting_join or m.awaiting_sync:  # the rebalance timers deal with those
            self._schedule_expiry(g, m)
            return
        self.log.info(f"Member {m.member_id} in group {g.group_id} has failed, removing it from the group")
        self._remove_member(g, m, f"removing member {m.member_id} on heartbeat expiration")

    def _stored(self, g: Group) -> StoredGroup:
        members = [
            StoredMember(
                m.member_id,
                m.group_instance_id,
                m.client_id,
                m.client_host,
                m.rebalance_timeout_ms,
                m.session_timeout_ms,
                m.metadata_for(g.protocol_name),
                m.assignment,
            )
            for m in g.members.values()
        ]
        return StoredGroup(
            g.protocol_type or "",
            g.generation_id,
            g.protocol_name,
            g.leader_id,
            g.state_timestamp_ms,
            members,
        )

    def _join_result(self, g: Group, m: Member, leader: str | None = None) -> dict:
        leader = g.leader_id if leader is None else leader
        members = []
        if m.member_id == leader:
            members = [
                {
                    "member_id": x.member_id,
                    "group_instance_id": x.group_instance_id,
                    "metadata": x.metadata_for(g.protocol_name),
                }
                for x in g.members.values()
            ]
        return {
            "error_code": E.NONE,
            "generation_id": g.generation_id,
            "protocol_type": g.protocol_type,
            "protocol_name": g.protocol_name,
            "leader": leader or "",
            "member_id": m.member_id,
            "members": members,
        }

    # --- JoinGroup ---
    async def join(self, r: JoinRequest) -> dict:
        err = self.coordinator_error(r.group_id)
        if err:
            return _join_error(err, r.member_id)
        if not self.min_session_ms <= r.session_timeout_ms <= self.max_session_ms:
            return _join_error(E.INVALID_SESSION_TIMEOUT, r.member_id)
        g = self.groups.get(r.group_id)
        if g is None:
            if r.member_id:
                return _join_error(E.UNKNOWN_MEMBER_ID, r.member_id)
            g = self.groups[r.group_id] = Group(r.group_id)
        if g.is_(S.DEAD):
            return _join_error(
                E.COORDINATOR_NOT_AVAILABLE if not r.member_id else E.UNKNOWN_MEMBER_ID, r.member_id
            )
        if not g.supports_protocols(r.protocol_type, [n for n, _ in r.protocols]):
            return _join_error(E.INCONSISTENT_GROUP_PROTOCOL, r.member_id)
        if not r.member_id:
            if r.group_instance_id is not None:
                old = g.static_members.get(r.group_instance_id)
                new_id = f"{r.group_instance_id}-{uuid.uuid4()}"
                if old is not None and old in g.members:
                    return await self._replace_static_member(g, old, new_id, r)
                return await self._add_member_and_rebalance(g, new_id, r)
            new_id = f"{r.client_id}-{uuid.uuid4()}"
            if r.require_known_member_id:
                loop = asyncio.get_running_loop()
                g.pending_members[new_id] = loop.call_later(
                    r.session_timeout_ms / 1000, self._expire_pending, g, new_id
                )
                self.log.info(
                    f"Dynamic member with unknown member id joins group {g.group_id} "
                    f"in {g.state.value} state. "
                    f"Created a new member id {new_id} and request the member to rejoin with this id."
                )
                return _join_error(E.MEMBER_ID_REQUIRED, new_id)
            return await self._add_member_and_rebalance(g, new_id, r)
        if r.member_id in g.pending_members:
            timer = g.pending_members.pop(r.member_id)
            if timer is not None:
                timer.cancel()
            return await self._add_member_and_rebalance(g, r.member_id, r)
        if g.static_member_fenced(r.group_instance_id, r.member_id):
            return _join_error(E.FENCED_INSTANCE_ID, r.member_id)
        m = g.members.get(r.member_id)
        if m is None or g.state in (S.EMPTY, S.DEAD):
            return _join_error(E.UNKNOWN_MEMBER_ID, r.member_id)
        self._schedule_expiry(g, m)
        if g.is_(S.COMPLETING_REBALANCE) and m.matches(r.protocols):
            return self._join_result(g, m)  # it lost the JoinGroup answer: send it again
        if g.is_(S.STABLE) and m.member_id != g.leader_id and m.matches(r.protocols):
            return self._join_result(g, m)  # a follower without changes: nothing to rebalance
        return await self._update_member_and_rebalance(g, m, r)

    def _expire_pending(self, g: Group, member_id: str) -> None:
        if g.pending_members.pop(member_id, "missing") != "missing":
            self.log.info(
                f"Pending member {member_id} in group {g.group_id} has been removed "
                "after session timeout expiration."
            )
            if g.is_(S.PREPARING_REBALANCE):
                self._try_complete_join(g)

    def _join_future(self, m: Member) -> asyncio.Future:
        fut = m.join_future
        if fut is None or fut.done():  # a repeated JoinGroup shares the pending answer
            fut = m.join_future = asyncio.get_running_loop().create_future()
        return fut

    async def _add_member_and_rebalance(self, g: Group, member_id: str, r: JoinRequest) -> dict:
        m = Member(
            member_id,
            r.group_instance_id,
            r.client_id,
            r.client_host,
            r.rebalance_timeout_ms,
            r.session_timeout_ms,
            r.protocol_type,
            [(n, bytes(md)) for n, md in r.protocols],
            is_new=True,
        )
        fut = self._join_future(m)
        if g.is_(S.PREPARING_REBALANCE) and g.generation_id == 0:
            g.new_member_added = True
        if not g.members:
            g.protocol_type = r.protocol_type
        g.members[member_id] = m
        if m.group_instance_id is not None:
            g.static_members[m.group_instance_id] = member_id
        if g.leader_id is None or g.leader_id not in g.members:
            g.leader_id = member_id
        self._schedule_expiry(g, m)
        self._maybe_prepare_rebalance(
            g, f"Adding new member {member_id} with group instance id {r.group_instance_id}"
        )
        self._try_complete_join(g)
        return await fut

    async def _update_member_and_rebalance(self, g: Group, m: Member, r: JoinRequest) -> dict:
        m.protocols = [(n, bytes(md)) for n, md in r.protocols]
        m.session_timeout_ms, m.rebalance_timeout_ms = r.session_timeout_ms, r.rebalance_timeout_ms
        fut = self._join_future(m)
        self._maybe_prepare_rebalance(g, f"Updating metadata for member {m.member_id} during {g.state.value}")
        self._try_complete_join(g)
        return await fut

    async def _replace_static_member(self, g: Group, old_id: str, new_id: str, r: JoinRequest) -> dict:
        m = g.members.pop(old_id)
        leader_before = g.leader_id
        m.answer_join(_join_error(E.FENCED_INSTANCE_ID, old_id))
        m.answer_sync({"error_code": E.FENCED_INSTANCE_ID, "assignment": b""})
        m.member_id = new_id
        g.members[new_id] = m
        assert r.group_instance_id is not None  # only a static member is replaced
        g.static_members[r.group_instance_id] = new_id
        if g.leader_id == old_id:
            g.leader_id = new_id
        if old_id in g.pending_sync:
            g.pending_sync.discard(old_id)
            g.pending_sync.add(new_id)
        m.protocols = [(n, bytes(md)) for n, md in r.protocols]
        m.session_timeout_ms, m.rebalance_timeout_ms = r.session_timeout_ms, r.rebalance_timeout_ms
        m.client_id, m.client_host = r.client_id, r.client_host
        self._schedule_expiry(g, m)
        self.log.info(
            f"Static member {r.group_instance_id} of group {g.group_id} with unknown member id rejoins, "
            f"assigning new member id {new_id}, while old member id {old_id} will be removed."
        )
        if g.is_(S.STABLE):
            if g.select_protocol() == g.protocol_name:
                self.log.info(
                    f"Static member which joins during Stable stage and doesn't affect selectProtocol will "
                    f"not trigger rebalance (group {g.group_id}, generation {g.generation_id})."
                )
                self.topic.store_group(g.group_id, self._stored(g))
                # The old leader id makes the returning member a follower: it syncs and gets its
                # stored assignment back.
                return self._join_result(g, m, leader=leader_before or old_id)
            fut = self._join_future(m)
            self._prepare_rebalance(
                g,
                f"Group's selectedProtocol will change because static member "
                f"{m.member_id} with instance id {r.group_instance_id} joined with change "
                f"of protocol",
            )
            return await fut
        fut = self._join_future(m)
        if g.is_(S.COMPLETING_REBALANCE):
            # the leader may already hold the old member id: only a new generation is consistent
            self._prepare_rebalance(
                g, f"Updating metadata for static member {m.member_id} with instance id {r.group_instance_id}"
            )
        self._try_complete_join(g)
        return await fut

    # --- rebalance machinery ---
    def _maybe_prepare_rebalance(self, g: Group, reason: str) -> None:
        if g.state in (S.STABLE, S.COMPLETING_REBALANCE, S.EMPTY):
            self._prepare_rebalance(g, reason)

    def _prepare_rebalance(self, g: Group, reason: str) -> None:
        if g.is_(S.COMPLETING_REBALANCE):
            self._propagate_sync_error(g, E.REBALANCE_IN_PROGRESS)
        if g.sync_timer is not None:
            g.sync_timer.cancel()
            g.sync_timer = None
        g.pending_sync.clear()
        loop = asyncio.get_running_loop()
        if g.join_timer is not None:
            g.join_timer.cancel()
        if g.is_(S.EMPTY):
            delay = self.initial_delay_ms
            g.initial_delay_left_ms = max(g.rebalance_timeout_ms() - delay, 0)
            g.join_timer = loop.call_later(delay / 1000, self._on_join_timer, g)
        else:
            g.initial_delay_left_ms = None
            g.join_timer = loop.call_later(g.rebalance_timeout_ms() / 1000, self._on_join_timer, g)
        old_generation = g.generation_id
        self._transition(g, S.PREPARING_REBALANCE)
        g.timing = RebalanceTiming(time.monotonic())
        self.log.info(
            f"Preparing to rebalance group {g.group_id} in state PreparingRebalance with old generation "
            f"{old_generation} ({self._where(g)}) (reason: {reason})"
        )

    def _try_complete_join(self, g: Group) -> None:
        if g.is_(S.PREPARING_REBALANCE) and g.initial_delay_left_ms is None and g.all_members_joined():
            if g.timing is not None and g.timing.all_joined is None:
                g.timing.all_joined = time.monotonic()
            self._complete_join(g)

    def _on_join_timer(self, g: Group) -> None:
        g.join_timer = None
        if not g.is_(S.PREPARING_REBALANCE):
            return
        if g.initial_delay_left_ms is not None:
            if g.new_member_added and g.initial_delay_left_ms > 0:
                g.new_member_added = False
                delay = min(self.initial_delay_ms, g.initial_delay_left_ms)
                g.initial_delay_left_ms -= delay
                g.join_timer = asyncio.get_running_loop().call_later(delay / 1000, self._on_join_timer, g)
                return
            g.initial_delay_left_ms = None
        if g.timing is not None and g.timing.all_joined is None and g.all_members_joined():
            g.timing.all_joined = time.monotonic()
        self._complete_join(g)

    def _complete_join(self, g: Group) -> None:
        if g.join_timer is not None:
            g.join_timer.cancel()
            g.join_timer = None
        gone = [m for m in g.members.values() if not m.awaiting_join and m.group_instance_id is None]
        if gone:
            self.log.info(
                f"Group {g.group_id} removed dynamic members who haven't joined: "
                f"{sorted(m.member_id for m in gone)}"
            )
        for m in gone:
            self._drop(g, m)
        if g.members and not any(m.awaiting_join for m in g.members.values()):
            # only static members that have not rejoined: wait another rebalance timeout for them
            self.log.error(f"Group {g.group_id} could not complete rebalance because no members rejoined")
            g.join_timer = asyncio.get_running_loop().call_later(
                g.rebalance_timeout_ms() / 1000, self._on_join_timer, g
            )
            return
        if g.leader_id not in g.members or not g.members[g.leader_id].awaiting_join:
            g.leader_id = next((m.member_id for m in g.members.values() if m.awaiting_join), None)
        g.generation_id += 1
        if not g.members:
            g.protocol_name = None
            self._transition(g, S.EMPTY)
            g.timing = None
            self.log.info(
                f"Group {g.group_id} with generation {g.generation_id} is now empty ({self._where(g)})"
            )
            self.topic.store_group(g.group_id, self._stored(g))
            return
        g.protocol_name = g.select_protocol()
        self._transition(g, S.COMPLETING_REBALANCE)
        if g.timing is not None:
            g.timing.join_completed = time.monotonic()
        self.log.info(
            f"Stabilized group {g.group_id} generation {g.generation_id} ({self._where(g)}) with "
            f"{len(g.members)} members"
        )
        for m in g.members.values():
            if m.awaiting_join:
                m.answer_join(self._join_result(g, m))
            m.is_new = False
            self._schedule_expiry(g, m)
            g.pending_sync.add(m.member_id)
        g.sync_timer = asyncio.get_running_loop().call_later(
            max(g.rebalance_timeout_ms(), 1) / 1000, self._on_sync_timeout, g, g.generation_id
        )

    def _on_sync_timeout(self, g: Group, generation: int) -> None:
        g.sync_timer = None
        if (
            generation != g.generation_id
            or g.state not in (S.COMPLETING_REBALANCE, S.STABLE)
            or not g.pending_sync
        ):
            return
        missing = sorted(g.pending_sync)
        self.log.info(f"Group {g.group_id} removed members who haven't sent their sync requests: {missing}")
        for mid in missing:
            m = g.members.get(mid)
            if m is not None:
                self._drop(g, m)
        g.pending_sync.clear()
        self._prepare_rebalance(g, f"Removing {missing} on pending sync request expiration")

    def _propagate_sync_error(self, g: Group, code: GroupError) -> None:
        for m in g.members.values():
            m.assignment = b""
            m.answer_sync({"error_code": code, "assignment": b""})

    def _drop(self, g: Group, m: Member) -> None:
        """Take a member out of the bookkeeping (no state change)."""
        m.answer_join(_join_error(E.UNKNOWN_MEMBER_ID, ""))
        m.answer_sync({"error_code": E.UNKNOWN_MEMBER_ID, "assignment": b""})
        if m.heartbeat_timer is not None:
            m.heartbeat_timer.cancel()
            m.heartbeat_timer = None
        g.members.pop(m.member_id, None)
        if m.group_instance_id is not None and g.static_members.get(m.group_instance_id) == m.member_id:
            del g.static_members[m.group_instance_id]
        g.pending_sync.discard(m.member_id)
        if g.leader_id == m.member_id:
            g.leader_id = next(iter(g.members), None)

    def _remove_member(self, g: Group, m: Member, reason: str) -> None:
        self._drop(g, m)
        if g.state in (S.STABLE, S.COMPLETING_REBALANCE):
            self._maybe_prepare_rebalance(g, reason)
        elif g.is_(S.PREPARING_REBALANCE):
            self._try_complete_join(g)

    # --- SyncGroup ---
    async def sync(
        self,
        group_id: str,
        generation_id: int,
        member_id: str,
        instance_id: str | None,
        protocol_type: str | None,
        protocol_name: str | None,
        assignments: dict[str, bytes],
    ) -> dict:
        err = self.coordinator_error(group_id)
        g = self.groups.get(group_id)
        if err or g is None:
            return {"error_code": err or E.UNKNOWN_MEMBER_ID, "assignment": b""}
        err = self._validate_member(g, member_id, instance_id, generation_id)
        if not err and (
            (protocol_type is not None and protocol_type != g.protocol_type)
            or (protocol_name is not None and protocol_name != g.protocol_name)
        ):
            err = E.INCONSISTENT_GROUP_PROTOCOL
        if not err and g.is_(S.PREPARING_REBALANCE):
            err = E.REBALANCE_IN_PROGRESS
        if err:
            return {"error_code": err, "assignment": b""}
        m = g.members[member_id]
        self._schedule_expiry(g, m)
        g.pending_sync.discard(member_id)
        if g.is_(S.STABLE):
            self._sync_answered(g)
            return self._sync_ok(g, m)
        # CompletingRebalance: the leader's assignment completes everyone's SyncGroup
        fut = m.sync_future
        if fut is None or fut.done():  # a repeated SyncGroup shares the pending answer
            fut = m.sync_future = asyncio.get_running_loop().create_future()
        if member_id == g.leader_id:
            statics = sum(1 for x in g.members.values() if x.group_instance_id is not None)
            self.log.info(
                f"Assignment received from leader {member_id} for group {group_id} for generation "
                f"{g.generation_id}. The group has {len(g.members)} members, {statics} of which are static."
            )
            for x in g.members.values():
                x.assignment = bytes(assignments.get(x.member_id, b""))
            stored = self.topic.store_group(group_id, self._stored(g))
            if stored:
                self._propagate_sync_error(g, stored)
                self._prepare_rebalance(
                    g, f"Error {stored.name} when storing group assignment during SyncGroup"
                )
            else:
                self._transition(g, S.STABLE)
                for x in g.members.values():
                    if x.awaiting_sync:
                        x.answer_sync(self._sync_ok(g, x))
        result = await fut
        if result["error_code"] == E.NONE:
            self._sync_answered(g)
        return result

    def _sync_ok(self, g: Group, m: Member) -> dict:
        return {
            "error_code": E.NONE,
            "assignment": m.assignment,
            "protocol_type": g.protocol_type,
            "protocol_name": g.protocol_name,
        }

    def _sync_answered(self, g: Group) -> None:
        t = g.timing
        if t is None or g.pending_sync or not g.is_(S.STABLE):
            return
        t.last_sync = time.monotonic()
        g.timing = None
        record = {
            "group": g.group_id,
            "generation": g.generation_id,
            "members": len(g.members),
            "total_ms": round((t.last_sync - t.first_join) * 1000, 3),
            "after_all_joined_ms": round(
                (t.last_sync - (t.all_joined or t.join_completed or t.first_join)) * 1000, 3
            ),
            "join_phase_ms": round(((t.join_completed or t.last_sync) - t.first_join) * 1000, 3),
        }
        self.timings.append(record)
        del self.timings[:-MAX_TIMINGS]
        self.log.info(
            f"Rebalance of group {g.group_id} to generation {g.generation_id} with {record['members']} "
            f"members took {record['total_ms']:.1f} ms (first JoinGroup → last SyncGroup answered), "
            f"{record['after_all_joined_ms']:.1f} ms after all members had joined"
        )

    def _validate_member(
        self, g: Group, member_id: str, instance_id: str | None, generation_id: int
    ) -> GroupError:
        if g.is_(S.DEAD):
            return E.COORDINATOR_NOT_AVAILABLE
        if g.static_member_fenced(instance_id, member_id):
            return E.FENCED_INSTANCE_ID
        if member_id not in g.members or g.is_(S.EMPTY):
            return E.UNKNOWN_MEMBER_ID
        if generation_id != g.generation_id:
            return E.ILLEGAL_GENERATION
        return E.NONE

    # --- Heartbeat ---
    def heartbeat(
        self, group_id: str, generation_id: int, member_id: str, instance_id: str | None
    ) -> GroupError:
        err = self.coordinator_error(group_id)
        if err:
            return err
        g = self.groups.get(group_id)
        if g is None:
            return E.UNKNOWN_MEMBER_ID
        err = self._validate_member(g, member_id, instance_id, generation_id)
        if err:
            return err
        self._schedule_expiry(g, g.members[member_id])
        return E.REBALANCE_IN_PROGRESS if g.is_(S.PREPARING_REBALANCE) else E.NONE

    # --- LeaveGroup ---
    def leave(
        self, group_id: str, leaving: list[tuple[str, str | None]]
    ) -> tuple[GroupError, list[GroupError]]:
        err = self.coordinator_error(group_id)
        if err:
            return err, []
        g = self.groups.get(group_id)
        if g is None:
            return E.NONE, [E.UNKNOWN_MEMBER_ID for _ in leaving]
        if g.is_(S.DEAD):
            return E.COORDINATOR_NOT_AVAILABLE, []
        out = []
        for member_id, instance_id in leaving:
            if member_id and member_id in g.pending_members:
                timer = g.pending_members.pop(member_id)
                if timer is not None:
                    timer.cancel()
                if g.is_(S.PREPARING_REBALANCE):
                    self._try_complete_join(g)
                out.append(E.NONE)
                continue
            if not member_id and instance_id is not None:
                member_id = g.static_members.get(instance_id, "")
            if g.static_member_fenced(instance_id, member_id):
                out.append(E.FENCED_INSTANCE_ID)
                continue
            m = g.members.get(member_id)
            if m is None:
                out.append(E.UNKNOWN_MEMBER_ID)
                continue
            self.log.info(
                f"Member {member_id} has left group {group_id} through explicit `LeaveGroup` request"
            )
            self._remove_member(g, m, f"removing member {member_id} on LeaveGroup")
            out.append(E.NONE)
        return E.NONE, out

    # --- shutdown ---
    def shutdown(self) -> None:
        """Stop every timer and answer waiting JoinGroup/SyncGroup requests with NOT_COORDINATOR
        (what Kafka answers when it unloads a group), so their connections can close cleanly."""
        for g in self.groups.values():
            self._unload(g)

    def _unload(self, g: Group) -> None:
        for timer in [g.join_timer, g.sync_timer, *g.pending_members.values()]:
            if timer is not None:
                timer.cancel()
        g.join_timer = g.sync_timer = None
        for m in g.members.values():
            if m.heartbeat_timer is not None:
                m.heartbeat_timer.cancel()
                m.heartbeat_timer = None
            m.answer_join(_join_error(E.NOT_COORDINATOR, m.member_id))
            m.answer_sync({"error_code": E.NOT_COORDINATOR, "assignment": b""})
