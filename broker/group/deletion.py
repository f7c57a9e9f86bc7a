"""DeleteGroups and OffsetDelete on the coordinator, with Kafka's rules (GroupCoordinator
handleDeleteGroups / handleDeleteOffsets): only an Empty group can be deleted (else
NON_EMPTY_GROUP); a consumer group's offsets can be deleted while it runs only for topics no member
subscribes to (else GROUP_SUBSCRIBED_TO_TOPIC). Deleting writes tombstones to __consumer_offsets,
so the deletion survives a restart and moves with the coordinator."""

from __future__ import annotations

from .consumer_protocol import decode_subscription
from .errors import GroupError
from .state import Group, GroupState

E = GroupError
S = GroupState


def delete_group(coord, group_id: str) -> GroupError:
    err = coord.coordinator_error(group_id)
    if err:
        return err
    g: Group | None = coord.groups.get(group_id)
    if g is None or g.is_(S.DEAD):
        return E.GROUP_ID_NOT_FOUND
    if not g.is_(S.EMPTY):
        return E.NON_EMPTY_GROUP
    err = coord.topic.store_tombstones(group_id, sorted(g.offsets), group=True)
    if err:
        return err
    g.state = S.DEAD
    coord.groups.pop(group_id, None)
    coord.log.info(f"Group {group_id} transitioned to Dead and was deleted with {len(g.offsets)} offset(s)")
    return E.NONE


def _subscribed_topics(g: Group) -> set[str] | None:
    """The topics the members subscribe to in the group's chosen protocol; None if unknown (then
    Kafka treats every topic as subscribed)."""
    topics: set[str] = set()
    for m in g.members.values():
        meta = dict(m.protocols).get(g.protocol_name or "")
        sub = decode_subscription(meta) if meta is not None else None
        if sub is None:
            return None
        topics.update(t for t in sub["topics"] if t)
    return topics


def delete_offsets(
    coord, group_id: str, partitions: list[tuple[str, int]]
) -> tuple[GroupError, dict[tuple[str, int], GroupError]]:
    """(group error, per-partition errors)."""
    err = coord.coordinator_error(group_id)
    if err:
        return err, {}
    g: Group | None = coord.groups.get(group_id)
    if g is None or g.is_(S.DEAD):
        return E.GROUP_ID_NOT_FOUND, {}
    errors: dict[tuple[str, int], GroupError] = {}
    if g.is_(S.EMPTY):
        eligible = list(partitions)
    elif g.protocol_type == "consumer":
        subscribed = _subscribed_topics(g)
        eligible = [tp for tp in partitions if subscribed is not None and tp[0] not in subscribed]
        errors = {tp: E.GROUP_SUBSCRIBED_TO_TOPIC for tp in partitions if tp not in eligible}
    else:
        return E.NON_EMPTY_GROUP, {}
    if eligible:
        err = coord.topic.store_tombstones(group_id, [tp for tp in eligible if tp in g.offsets])
        if err:
            return err, {}
        for tp in eligible:
            g.offsets.pop(tp, None)
            errors[tp] = E.NONE
    return E.NONE, errors
