"""The ZooKeeper-mode controller (Kafka's KafkaController, reduced): the broker that created the
ephemeral /controller bumps /controller_epoch, reads the cluster once into its context
(broker/zk/context.py), and from then on handles one event at a time, as Kafka's
ControllerEventManager does, reading only what the event's watch says changed:

    /brokers/ids children          BrokerChange            the broker znodes
    /brokers/topics children       TopicChange             the new topics' znodes
    /brokers/topics/<t> data       PartitionModifications  that topic's znode
    /admin/delete_topics children  TopicDeletion           (deletes the marked topics' znodes)
    /isr_change_notification       IsrChangeNotification   the states of the partitions named

After each event it elects where the context says so (context.py) and writes the new partition
states - all of them as one batch of requests in flight together (broker/zk/controller_zk.py,
broker/zk/pipeline.py), each fenced by the controller epoch's znode version - then sends
LeaderAndIsr and UpdateMetadata to every live broker (broker/zk/channel.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from kazoo.exceptions import BadVersionError, NodeExistsError, NoNodeError
from kazoo.protocol.states import EventType

from ..log4j import logger
from . import znodes
from .channel import ControllerChannel
from .context import ControllerContext, TopicPartition
from .controller_zk import ControllerZkClient
from .pipeline import ControllerMovedException
from .session import ZkSession


class ControllerHost(Protocol):
    """What the controller needs of the ZooKeeper-mode broker it runs in (zk/broker.py's
    ZkBroker), not the whole of it: the node (its id and config) and its ZooKeeper session."""

    node: Any
    session: ZkSession


# events, in the order one round handles them (activation queues the first five: Kafka's
# initializeControllerContext reads brokers, topics, assignments, then every partition state)
BROKERS, TOPICS, DELETIONS, ALL_STATES, ISR = "brokers", "topics", "deletions", "all-states", "isr"
RETRY = "retry"  # elections that met a changed znode too often in a row: again a moment later
ELECTION_ROUNDS = 5  # Kafka's electLeaderForPartitions retries BADVERSION until done; we bound it


class ZkController:
    def __init__(self, zkb: ControllerHost):
        self.zkb = zkb
        self.broker_id = zkb.node.node_id
        self.session = zkb.session
        self.log = logger("kafka.controller.KafkaController", f"[Controller id={self.broker_id}]")
        self.delete_log = logger(
            "kafka.controller.TopicDeletionManager", f"[Topic Deletion Manager {self.broker_id}]"
        )
        self.zk = ControllerZkClient(self.session)
        self.ctx = ControllerContext()
        self.active = False
        self.channel: ControllerChannel | None = None
        self._pending: set[Any] = set()  # event names, and ("topic", t) for a topic's znode
        self._watches: dict[Any, Callable[[Any], None]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    @property
    def epoch(self) -> int:
        return self.zk.epoch

    # --- becoming and stopping being the controller ---
    def _bump_epoch(self) -> tuple[int, int]:
        c = self.session.client
        while True:
            try:
                data, stat = c.get(znodes.CONTROLLER_EPOCH)
            except NoNodeError:
                try:
                    c.create(znodes.CONTROLLER_EPOCH, b"0")
                    self.log.info("Successfully created /controller_epoch with initial epoch 0")
                except NodeExistsError:
                    pass
                continue
            try:
                new = c.set(znodes.CONTROLLER_EPOCH, str(int(data) + 1).encode(), version=stat.version)
                return int(data) + 1, new.version
            except BadVersionError:
                continue

    async def activate(self) -> None:
        self.zk.epoch, self.zk.epoch_zk_version = await self.session.call(self._bump_epoch)
        self.active = True
        self.log.info(
            f"{self.broker_id} successfully elected as the controller. Epoch incremented to {self.epoch} "
            f"and epoch zk version is now {self.zk.epoch_zk_version}"
        )
        cfg = self.zkb.node.config
        self.channel = ControllerChannel(self.broker_id, cfg.inter_broker_listener, cfg.protocol_map)
        self.ctx = ControllerContext()
        self._watches = {}
        self._pending = {BROKERS, TOPICS, DELETIONS, ALL_STATES, ISR}
        self._task = asyncio.get_running_loop().create_task(self._loop())
        self._wake.set()

    async def resign(self, why: str) -> None:
        if not self.active:
            return
        self.active = False
        self.log.info(f"Resigning as the controller ({why})")
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
        if self.channel is not None:
            self.channel.close()
        self._pending = set()

    # --- watches (kazoo's thread): each names its event and wakes the loop ---
    def _watch(self, name: Any) -> Callable[[Any], None]:
        """The watch function of one event, the same object all tenure long: kazoo keeps a set of
        them per path, so reading a znode again does not add a second one. A watch fires once
        (ZooKeeper's rule); the read that handles the event sets it again. When the connection
        drops, kazoo fires every watch with EventType.NONE and forgets them: each event then
        reads (and watches) its znodes again once ZooKeeper is back."""
        fired = self._watches.get(name)
        if fired is None:

            def fired(event, name=name) -> None:
                if isinstance(name, tuple) and event.type == EventType.DELETED:
                    return  # the topic went: TopicChange (the /brokers/topics children) says so
                # a watch of an earlier tenure may still fire: one more read, nothing worse
                if self.active:
                    self.session.threadsafe(self._post)(name)

            self._watches[name] = fired
        return fired

    def _topic_watch(self, topic: str) -> Callable[[Any], None]:
        return self._watch(("topic", topic))

    def _post(self, name: Any) -> None:
        if self.active:
            self._pending.add(name)
            self._wake.set()

    # --- the event loop of the controller ---
    async def _loop(self) -> None:
        while self.active:
            await self._wake.wait()
            self._wake.clear()
            events, self._pending = self._pending, set()
            try:
                await self._handle(events)
            except ControllerMovedException as exc:
                # Kafka's KafkaController.process: the event is dropped, then maybeResign
                self.log.info(
                    f"Controller moved to another broker when processing {_names(events)}.", exc_info=exc
                )
                await self._maybe_resign()
                continue
            except Exception as exc:  # ZooKeeper away: keep what we sent, try again
                self.log.warning(f"Could not read the cluster state from ZooKeeper: {exc}")
                self._pending |= events
                await asyncio.sleep(1.0)
                self._wake.set()
                continue
            if self.active and self.channel is not None:
                self.channel.send_all(self.ctx, self.epoch)

    async def _maybe_resign(self) -> None:
        """Kafka's maybeResign: resign only if /controller no longer names us (a write fenced by
        the epoch check while /controller still does changes nothing: this controller stays, and
        every write it tries fails the same way, as in Kafka)."""
        try:
            current = await self.zk.controller_id()
        except Exception as exc:  # ZooKeeper away: the /controller watch decides later
            self.log.warning(f"Could not read /controller: {exc}")
            return
        if current != self.broker_id:
            await self.resign("another broker is the controller")

    async def _handle(self, events: set[Any]) -> None:
        if BROKERS in events:
            await self._broker_change()
        if TOPICS in events:
            await self._topic_change()
        modified = sorted(e[1] for e in events if isinstance(e, tuple) and e[0] == "topic")
        if modified:
            await self._partition_modifications(modified)
        if DELETIONS in events:
            await self._topic_deletion()
        if ALL_STATES in events:
            await self._read_states(self.ctx.partitions())
        if ISR in events:
            await self._isr_change_notification()
        await self._settle()

    # --- Kafka's event handlers ---
    async def _broker_change(self) -> None:
        live = await self.zk.live_brokers(self._watch(BROKERS))
        before = self.ctx.live
        if before and set(live) != set(before):
            dead = sorted(set(before) - set(live))
            bounced = sorted(b for b in set(live) & set(before) if live[b].epoch != before[b].epoch)
            self.log.info(
                f"Newly added brokers: {','.join(map(str, sorted(set(live) - set(before))))}, "
                f"deleted brokers: {','.join(map(str, dead))}, "
                f"bounced brokers: {','.join(map(str, bounced))}, "
                f"all live brokers: {','.join(map(str, sorted(live)))}"
            )
        self.ctx.live = live

    async def _topic_change(self) -> None:
        names = set(await self.zk.children(znodes.TOPICS, self._watch(TOPICS)))
        for gone in set(self.ctx.topics) - names:
            self.ctx.remove_topic(gone)
            self._watches.pop(("topic", gone), None)
        new = sorted(names - set(self.ctx.topics))
        for t, (assignment, tid) in (await self.zk.topics(new, self._topic_watch)).items():
            self.ctx.add_topic(t, assignment, tid)

    async def _partition_modifications(self, topics: list[str]) -> None:
        """Kafka's PartitionModificationsHandler: partitions added to /brokers/topics/<t>
        (AdminZkClient.addPartitions) join the context; existing ones keep their replicas."""
        for t, (assignment, tid) in (await self.zk.topics(topics, self._topic_watch)).items():
            if t in self.ctx.topics:
                self.ctx.add_partitions(t, assignment)
            else:  # its znode did not read before (or it is new): as TopicChange would add it
                self.ctx.add_topic(t, assignment, tid)

    async def _topic_deletion(self) -> None:
        for topic in sorted(await self.zk.children(znodes.DELETE_TOPICS, self._watch(DELETIONS))):
            await self.zk.delete_topic(topic)
            self.ctx.remove_topic(topic)
            self._watches.pop(("topic", topic), None)
            self.delete_log.info(f"Deletion of topic {topic} successfully completed")

    async def _isr_change_notification(self) -> None:
        """Leaders (before Kafka 2.7) changed these partitions' ISR themselves: re-read just their
        states (Kafka's updateLeaderAndIsrCache), then drop the notifications."""
        seqs, partitions = await self.zk.isr_changes(self._watch(ISR))
        known = [
            tp
            for tp in sorted(partitions)
            if tp[0] in self.ctx.topics and tp[1] in self.ctx.topics[tp[0]].assignment
        ]
        await self._read_states(known)
        await self.zk.delete_isr_changes(seqs)

    async def _read_states(self, tps: list[TopicPartition]) -> None:
        for tp, got in (await self.zk.states(tps)).items():
            if got is None:
                self.ctx.states.pop(tp, None)  # none yet: a new partition
                continue
            s, version = got
            self.ctx.put_state(tp, s["leader"], s["leader_epoch"], s["isr"], s["controller_epoch"], version)

    # --- elections, written as batches ---
    async def _settle(self) -> None:
        """New partitions get their first state; partitions whose leader or ISR the live brokers
        change get a new one. A write that meets a changed znode (a leader changed its ISR
        meanwhile) re-reads that state and elects again (Kafka's electLeaderForPartitions)."""
        given_up: set[TopicPartition] = set()  # failed otherwise: until the next event
        for _ in range(ELECTION_ROUNDS):
            new = {tp: a for tp, a in self.ctx.new_partitions().items() if tp not in given_up}
            changes = {tp: c for tp, c in self.ctx.changes().items() if tp not in given_up}
            if not new and not changes:
                return
            reread: list[TopicPartition] = []
            if new:
                reread += await self._create_states(new, given_up)
            if changes:
                reread += await self._update_states(changes, given_up)
            if reread:
                await self._read_states(reread)
        if self.ctx.new_partitions().keys() - given_up or self.ctx.changes().keys() - given_up:
            asyncio.get_running_loop().call_later(1.0, self._post, RETRY)

    async def _create_states(
        self, new: dict[TopicPartition, list[int]], given_up: set
    ) -> list[TopicPartition]:
        outcomes = await self.zk.create_states({tp: (alive[0], alive) for tp, alive in new.items()})
        reread = []
        for tp, outcome in outcomes.items():
            alive = new[tp]
            if outcome is None:
                self.ctx.put_state(tp, alive[0], 0, alive, self.epoch, 0)
                self.log.info(
                    f"Partition {tp[0]}-{tp[1]}: new, leader {alive[0]}, leader epoch 0, "
                    f"ISR {','.join(map(str, alive))}"
                )
            elif isinstance(outcome, NodeExistsError):
                reread.append(tp)  # written by an earlier controller: read it
            else:
                given_up.add(tp)  # e.g. NoNode: the topic is being deleted
        return reread

    async def _update_states(
        self, changes: dict[TopicPartition, tuple[int, list[int]]], given_up: set
    ) -> list[TopicPartition]:
        updates = {}
        for tp, (leader, isr) in changes.items():
            st = self.ctx.states[tp]
            updates[tp] = (leader, st.leader_epoch + 1, isr, st.zk_version)
        reread = []
        for tp, outcome in (await self.zk.update_states(updates)).items():
            leader, epoch, isr, _ = updates[tp]
            if isinstance(outcome, BadVersionError):
                reread.append(tp)
            elif isinstance(outcome, NoNodeError):
                self.ctx.states.pop(tp, None)
                given_up.add(tp)
            elif isinstance(outcome, Exception):
                given_up.add(tp)
            else:
                old = self.ctx.states[tp].leader
                self.ctx.put_state(tp, leader, epoch, isr, self.epoch, outcome.version)
                self.log.info(
                    f"Partition {tp[0]}-{tp[1]}: leader {old} -> {leader}, leader epoch {epoch}, "
                    f"ISR {','.join(map(str, isr))}"
                )
        return reread


def _names(events: set[Any]) -> str:
    """Kafka's event names for the log."""
    kafka = {
        BROKERS: "BrokerChange",
        TOPICS: "TopicChange",
        DELETIONS: "TopicDeletion",
        ISR: "IsrChangeNotification",
    }
    kafka |= {ALL_STATES: "Startup", RETRY: "Retry"}
    out = sorted(
        kafka.get(e, "") if not isinstance(e, tuple) else f"PartitionModifications({e[1]})" for e in events
    )
    return ", ".join(out)
