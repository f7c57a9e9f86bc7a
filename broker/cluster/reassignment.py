"""Partition reassignment on the controller (KIP-455, Kafka's ReplicationControlManager and
PartitionReassignmentReplicas): the partition's replicas become target + the replicas being
removed; the new ones (`adding`) create their logs and fetch from the leader like any follower;
once every target replica is in the ISR the reassignment completes: replicas = target, the ISR
keeps only target replicas, and a leader outside the target hands over to the first in-sync
target replica. Cancelling goes back to the original replicas. Brokers drop the logs of
partitions they no longer replicate (node.apply_metadata)."""

from __future__ import annotations

from ..protocol.errors import ErrorCode
from .metadata import PartitionInfo

NO_REASSIGNMENT_IN_PROGRESS = 85


def check_target(controller, target: list[int]) -> tuple[int, str | None]:
    if not target:
        return (
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            "The manual partition assignment includes an empty replica list.",
        )
    for b in target:
        if target.count(b) > 1:
            return (
                ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                f"The manual partition assignment includes the broker {b} more than once.",
            )
        if b not in controller.metadata.brokers:
            return (
                ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                f"The manual partition assignment includes broker {b}, but no such broker is registered.",
            )
    return ErrorCode.NONE, None


def _set_replicas(controller, topic: str, p: PartitionInfo, replicas: list[int]) -> None:
    """Final replicas: the ISR shrinks to them, the leader moves if it is not one of them."""
    p.replicas = list(replicas)
    p.adding, p.removing = [], []
    p.isr = [r for r in p.isr if r in replicas] or [r for r in replicas if controller._alive(r)][:1]
    if p.leader not in replicas:
        old = p.leader
        p.leader = next((r for r in replicas if r in p.isr and controller._alive(r)), -1)
        p.leader_epoch += 1
        controller.log.info(f"Partition {topic}-{p.index}: leader {old} -> {p.leader} (reassignment)")


def start(controller, topic: str, index: int, target: list[int] | None) -> tuple[int, str | None]:
    """Begin (or, with None, cancel) a reassignment; the caller publishes."""
    t = controller.metadata.topics.get(topic)
    p = t.partitions.get(index) if t is not None else None
    if p is None:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition."
    original = [r for r in p.replicas if r not in p.adding]
    if target is None:
        if not p.adding and not p.removing:
            return (
                NO_REASSIGNMENT_IN_PROGRESS,
                f"No reassignment is in progress for topic {topic} partition {index}",
            )
        _set_replicas(controller, topic, p, original)
        controller.log.info(f"Partition {topic}-{index}: reassignment cancelled, replicas {original}")
        return ErrorCode.NONE, None
    err, msg = check_target(controller, target)
    if err:
        return err, msg
    p.adding = [r for r in target if r not in original]
    p.removing = [r for r in original if r not in target]
    p.replicas = list(target) + p.removing
    controller.log.info(
        f"Partition {topic}-{index}: reassigning to {target} (adding {p.adding}, removing {p.removing})"
    )
    maybe_complete(controller, topic, p)
    return ErrorCode.NONE, None


def maybe_complete(controller, topic: str, p: PartitionInfo) -> bool:
    """Finish a reassignment whose target replicas are all in sync."""
    if not p.adding and not p.removing:
        return False
    target = [r for r in p.replicas if r not in p.removing]
    if not all(r in p.isr for r in target):
        return False
    _set_replicas(controller, topic, p, target)
    controller.log.info(f"Partition {topic}-{p.index}: reassignment completed, replicas {target}")
    return True


def ongoing(controller) -> list[tuple[str, PartitionInfo]]:
    return [
        (t.name, p)
        for t in sorted(controller.metadata.topics.values(), key=lambda t: t.name)
        for p in sorted(t.partitions.values(), key=lambda p: p.index)
        if p.adding or p.removing
    ]
