"""The controller's ZooKeeper reads and writes, each a batch sent at once (broker/zk/pipeline.py):
Kafka's KafkaZkClient as its controller uses it - getAllBrokerAndEpochsInCluster,
getReplicaAssignmentAndTopicIdForTopics, getTopicPartitionStatesRaw,
createTopicPartitionStatesRaw, updateLeaderAndIsr, getPartitionsFromIsrChangeNotifications,
deleteIsrChangeNotifications, deleteTopicZNode. Every write is fenced by the controller epoch's
znode version (pipeline.checked). Outcomes are per item, as Kafka's result codes are; only a
session that cannot be had (or a moved controller) raises.

Watches are set by the read that needs them (a ZooKeeper watch fires once; reading again sets it
again), as Kafka's handlers re-register theirs on every event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from kazoo.exceptions import NodeExistsError, NoNodeError

from . import pipeline, znodes
from .context import LiveBroker, TopicPartition
from .pipeline import Op, failure
from .session import ZkSession

Watch = Callable[[Any], None]


class ControllerZkClient:
    def __init__(self, session: ZkSession):
        self.session = session
        self.epoch = 0
        self.epoch_zk_version = -1  # /controller_epoch's version after our bump: fences our writes

    async def _one(self, request: pipeline.Request) -> Any:
        outcome = (await pipeline.run(self.session, [request]))[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def children(self, path: str, watch: Watch | None) -> list[str]:
        return list(await self._one(pipeline.get_children(self.session, path, watch)))

    async def controller_id(self) -> int:
        """Who /controller names (-1: nobody)."""
        try:
            data, _ = await self._one(pipeline.get(self.session, znodes.CONTROLLER))
        except NoNodeError:
            return -1
        return znodes.decode_controller(data)

    # --- brokers ---
    async def live_brokers(self, watch: Watch) -> dict[int, LiveBroker]:
        """Every registered broker with its endpoints and epoch (the znode's czxid)."""
        ids = [int(x) for x in await self.children(znodes.BROKER_IDS, watch) if x.isdigit()]
        got = await pipeline.run(
            self.session, [pipeline.get(self.session, znodes.broker_path(b)) for b in ids]
        )
        out = {}
        for b, outcome in zip(ids, got, strict=True):
            if isinstance(outcome, NoNodeError):
                continue  # gone meanwhile: the next event says so
            if isinstance(outcome, Exception):
                raise outcome
            data, stat = outcome
            eps, rack = znodes.decode_broker(data)
            out[b] = LiveBroker(b, eps, rack, stat.czxid)
        return out

    # --- topics ---
    async def topics(
        self, names: list[str], watch: Callable[[str], Watch]
    ) -> dict[str, tuple[dict[int, list[int]], uuid.UUID | None]]:
        """Assignment and topic id of each topic that exists and reads; on each the data watch
        `watch(topic)` (Kafka's PartitionModificationsHandler)."""
        got = await pipeline.run(
            self.session, [pipeline.get(self.session, znodes.topic_path(t), watch(t)) for t in names]
        )
        out = {}
        for t, outcome in zip(names, got, strict=True):
            if isinstance(outcome, NoNodeError):
                continue
            if isinstance(outcome, Exception):
                raise outcome
            try:
                out[t] = znodes.decode_topic(outcome[0])
            except (ValueError, KeyError, TypeError):
                continue  # not Kafka's JSON: skipped, as the old reconcile skipped it
        return out

    # --- partition states ---
    async def states(self, tps: list[TopicPartition]) -> dict[TopicPartition, tuple[dict, int] | None]:
        """Each state znode, decoded, with its version; None where there is none."""
        got = await pipeline.run(
            self.session, [pipeline.get(self.session, znodes.partition_state_path(*tp)) for tp in tps]
        )
        out: dict[TopicPartition, tuple[dict, int] | None] = {}
        for tp, outcome in zip(tps, got, strict=True):
            if isinstance(outcome, NoNodeError):
                out[tp] = None
            elif isinstance(outcome, Exception):
                raise outcome
            else:
                data, stat = outcome
                try:
                    out[tp] = (znodes.decode_partition_state(data), stat.version)
                except (ValueError, KeyError, TypeError):
                    out[tp] = None
        return out

    async def create_states(
        self, states: dict[TopicPartition, tuple[int, list[int]]]
    ) -> dict[TopicPartition, Any]:
        """Kafka's createTopicPartitionStatesRaw: /brokers/topics/<t>/partitions once per topic,
        then per partition partitions/<p> and partitions/<p>/state (leader epoch 0) in one
        fenced multi, or the state alone where partitions/<p> already exists. The outcome per
        partition: None (created), NodeExistsError (a state is there), or another error."""
        topics = sorted({t for t, _ in states})
        made = await self._writes([(t, [("create", znodes.partitions_path(t), None)]) for t in topics])
        for writes in made.values():
            err = failure(writes)
            if err is not None and not isinstance(err, (NodeExistsError, NoNodeError)):
                raise err

        def state(tp: TopicPartition) -> Op:
            leader, isr = states[tp]
            data = znodes.encode_partition_state(leader, 0, isr, self.epoch)
            return ("create", znodes.partition_state_path(*tp), data)

        got = await self._writes(
            [(tp, [("create", znodes.partition_path(*tp), None), state(tp)]) for tp in states]
        )
        out: dict[TopicPartition, Any] = {}
        again = []
        for tp, writes in got.items():
            if isinstance(writes[0], NodeExistsError):
                again.append(tp)  # partitions/<p> is there (an earlier controller's): the state alone
            else:
                out[tp] = failure(writes)
        for tp, writes in (await self._writes([(tp, [state(tp)]) for tp in again])).items():
            out[tp] = failure(writes)
        return out

    async def update_states(
        self, updates: dict[TopicPartition, tuple[int, int, list[int], int]]
    ) -> dict[TopicPartition, Any]:
        """Kafka's updateLeaderAndIsr: (leader, leader epoch, ISR, expected version) per
        partition, each a fenced conditional set. The outcome: the new ZnodeStat, or the error
        (BadVersionError: the znode changed since we read it - re-read and elect again)."""

        def op(tp: TopicPartition) -> Op:
            leader, epoch, isr, version = updates[tp]
            data = znodes.encode_partition_state(leader, epoch, isr, self.epoch)
            return ("set", znodes.partition_state_path(*tp), data, version)

        got = await self._writes([(tp, [op(tp)]) for tp in updates])
        return {tp: failure(writes) or writes[0] for tp, writes in got.items()}

    async def _writes(self, items: list[tuple[Any, list[Op]]]) -> dict:
        return await pipeline.fenced_writes(self.session, self.epoch_zk_version, items)

    # --- ISR change notifications (brokers before Kafka 2.7 leave these) ---
    async def isr_changes(self, watch: Watch) -> tuple[list[str], set[TopicPartition]]:
        """The notifications and the partitions they name (getPartitionsFromIsrChangeNotifications)."""
        seqs = await self.children(znodes.ISR_CHANGES, watch)
        got = await pipeline.run(
            self.session, [pipeline.get(self.session, f"{znodes.ISR_CHANGES}/{s}") for s in seqs]
        )
        partitions: set[TopicPartition] = set()
        for outcome in got:
            if isinstance(outcome, NoNodeError):
                continue
            if isinstance(outcome, Exception):
                raise outcome
            try:
                partitions.update(znodes.decode_isr_change(outcome[0]))
            except (ValueError, KeyError, TypeError):
                continue
        return seqs, partitions

    async def delete_isr_changes(self, seqs: list[str]) -> None:
        await self._delete_all([f"{znodes.ISR_CHANGES}/{s}" for s in seqs])

    # --- topic deletion ---
    async def delete_topic(self, topic: str) -> None:
        """Kafka's TopicDeletionManager, reduced: the topic's znodes (deepest first, each level a
        batch), its config, then its /admin/delete_topics mark."""
        await self.delete_tree(znodes.topic_path(topic))
        await self._delete_all([znodes.topic_config_path(topic)])
        await self._delete_all([f"{znodes.DELETE_TOPICS}/{topic}"])

    async def delete_tree(self, root: str) -> None:
        levels = [[root]]
        while levels[-1]:
            got = await pipeline.run(
                self.session, [pipeline.get_children(self.session, p) for p in levels[-1]]
            )
            below = []
            for parent, outcome in zip(levels[-1], got, strict=True):
                if isinstance(outcome, NoNodeError):
                    continue
                if isinstance(outcome, Exception):
                    raise outcome
                below += [f"{parent}/{child}" for child in outcome]
            levels.append(below)
        for level in reversed(levels):
            await self._delete_all(level)

    async def _delete_all(self, paths: Iterable[str]) -> None:
        got = await self._writes([(p, [("delete", p)]) for p in paths])
        for writes in got.values():
            err = failure(writes)
            if err is not None and not isinstance(err, NoNodeError):
                raise err  # e.g. NotEmpty: a child appeared meanwhile; the event is retried
