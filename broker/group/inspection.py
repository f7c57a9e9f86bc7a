"""The coordinator's offset and inspection requests: OffsetCommit, OffsetFetch, DescribeGroups,
ListGroups. A mixin of GroupCoordinator (it uses the coordinator's groups, store and timers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import GroupError
from .offsets import CommittedOffset
from .state import Group, GroupState, Member

if TYPE_CHECKING:
    from .store import OffsetsTopic

E = GroupError
S = GroupState


class OffsetsAndInspection:
    # What the mixin uses of GroupCoordinator, declared for the type checker.
    node: Any
    topic: OffsetsTopic
    groups: dict[str, Group]
    max_metadata_bytes: int

    if TYPE_CHECKING:

        def coordinator_error(self, group_id: str | None) -> GroupError: ...
        def load(self) -> None: ...
        def _schedule_expiry(self, g: Group, m: Member) -> None: ...

    # --- offsets ---
    def commit(
        self,
        group_id: str,
        generation_id: int,
        member_id: str,
        instance_id: str | None,
        offsets: dict[tuple[str, int], CommittedOffset],
    ) -> dict[tuple[str, int], GroupError]:
        err = self.coordinator_error(group_id)
        if err:
            return {tp: err for tp in offsets}
        result: dict[tuple[str, int], GroupError] = {}
        valid: dict[tuple[str, int], CommittedOffset] = {}
        for (t, p), c in offsets.items():
            info = self.node.metadata.topics.get(t)  # the coordinator need not host the partition
            if info is None or p not in info.partitions:
                result[(t, p)] = E.UNKNOWN_TOPIC_OR_PARTITION
            elif c.metadata is not None and len(c.metadata.encode()) > self.max_metadata_bytes:
                result[(t, p)] = E.OFFSET_METADATA_TOO_LARGE
            else:
                valid[(t, p)] = c
        g = self.groups.get(group_id)
        if g is None and generation_id < 0:
            g = self.groups[group_id] = Group(group_id)  # offsets only: no group management
        if g is None:
            err = E.ILLEGAL_GENERATION
        elif g.is_(S.DEAD):
            err = E.COORDINATOR_NOT_AVAILABLE
        elif g.static_member_fenced(instance_id, member_id):
            err = E.FENCED_INSTANCE_ID
        elif generation_id < 0 and g.is_(S.EMPTY):
            err = E.NONE
        elif member_id not in g.members:
            err = E.UNKNOWN_MEMBER_ID
        elif generation_id != g.generation_id:
            err = E.ILLEGAL_GENERATION
        elif g.is_(S.COMPLETING_REBALANCE):
            err = E.REBALANCE_IN_PROGRESS
        else:
            self._schedule_expiry(g, g.members[member_id])
        if g is not None and not err and valid:
            err = self.topic.store_offsets(group_id, valid)
            if not err:
                g.offsets.update(valid)
        for tp in valid:
            result[tp] = err
        return result

    def commit_transactional(self, group_id: str, offsets: dict[tuple[str, int], CommittedOffset]) -> None:
        """A committed transaction's offsets (TxnOffsetCommit, already in the log as transactional
        records; the COMMIT marker makes them the group's: broker/txn/pending_offsets.py)."""
        g = self.groups.get(group_id)
        if g is None:
            g = self.groups[group_id] = Group(group_id)
        g.offsets.update(offsets)

    def fetch_offsets(
        self, group_id: str, partitions: list[tuple[str, int]] | None
    ) -> tuple[GroupError, dict[tuple[str, int], CommittedOffset | None]]:
        err = self.coordinator_error(group_id)
        if err:
            return err, {tp: None for tp in partitions or []}
        g = self.groups.get(group_id)
        offsets = g.offsets if g is not None else {}
        if partitions is None:
            return E.NONE, dict(sorted(offsets.items()))
        return E.NONE, {tp: offsets.get(tp) for tp in partitions}

    # --- inspection ---
    def describe(self, group_id: str) -> dict:
        err = self.coordinator_error(group_id)
        if err:
            return {
                "error_code": err,
                "group_id": group_id,
                "group_state": "",
                "protocol_type": "",
                "protocol_data": "",
                "members": [],
            }
        g = self.groups.get(group_id)
        if g is None:
            return {
                "error_code": E.NONE,
                "group_id": group_id,
                "group_state": S.DEAD.value,
                "protocol_type": "",
                "protocol_data": "",
                "members": [],
            }
        stable = g.is_(S.STABLE)
        members = [
            {
                "member_id": m.member_id,
                "group_instance_id": m.group_instance_id,
                "client_id": m.client_id,
                "client_host": m.client_host,
                "member_metadata": m.metadata_for(g.protocol_name) if stable else b"",
                "member_assignment": m.assignment if stable else b"",
            }
            for m in g.members.values()
        ]
        return {
            "error_code": E.NONE,
            "group_id": group_id,
            "group_state": g.state.value,
            "protocol_type": g.protocol_type or "",
            "protocol_data": (g.protocol_name or "") if stable else "",
            "members": members,
        }

    def list_groups(self) -> list[Group]:
        self.load()
        return [g for g in sorted(self.groups.values(), key=lambda g: g.group_id) if not g.is_(S.DEAD)]
