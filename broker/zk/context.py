"""The controller's picture of the cluster, kept in memory (Kafka's ControllerContext) and the
leader election rules it applies to it. Pure: no ZooKeeper here.

Kafka's controller reads ZooKeeper fully once, when it becomes the controller
(KafkaController.initializeControllerContext: live brokers, topics, every assignment, every
partition's state znode), and afterwards only what a watch says changed: the new topics' znodes
(processTopicChange), a topic whose znode changed (processPartitionModifications), the broker
znodes (processBrokerChange), the partitions named by ISR change notifications
(processIsrChangeNotification -> updateLeaderAndIsrCache). What the controller writes it records
here from the write's own answer (putPartitionLeadershipInfo), so nothing is read back.

Election (PartitionStateMachine / ReplicaStateMachine, reduced; no unclean election): a new
partition's leader is its first live replica and its ISR its live replicas (NewPartition ->
OnlinePartition; none live: it stays new); a partition whose leader is not live gets the first
live ISR member in replica order (OfflinePartitionLeaderElectionStrategy), -1 if none; dead
brokers leave the ISR (OfflineReplica), never emptying it; any change bumps the leader epoch.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

TopicPartition = tuple[str, int]


@dataclass
class LiveBroker:
    broker_id: int
    endpoints: dict  # listener name -> BrokerEndpoint (advertised)
    rack: str | None
    epoch: int  # czxid of its /brokers/ids znode (Kafka's broker epoch)


@dataclass
class PState:
    """A partition's state znode as the controller last read or wrote it (Kafka's
    LeaderIsrAndControllerEpoch; zk_version is the znode's version, Kafka's partitionEpoch)."""

    topic: str
    partition: int
    replicas: list[int]
    leader: int
    leader_epoch: int
    isr: list[int]
    controller_epoch: int
    zk_version: int


@dataclass
class TopicEntry:
    assignment: dict[int, list[int]]
    topic_id: uuid.UUID | None


@dataclass
class ControllerContext:
    live: dict[int, LiveBroker] = field(default_factory=dict)
    topics: dict[str, TopicEntry] = field(default_factory=dict)
    # partitions whose state znode we know; an assigned partition without one is new
    states: dict[TopicPartition, PState] = field(default_factory=dict)

    def add_topic(self, topic: str, assignment: dict[int, list[int]], topic_id: uuid.UUID | None) -> None:
        self.topics[topic] = TopicEntry(dict(assignment), topic_id)

    def add_partitions(self, topic: str, assignment: dict[int, list[int]]) -> list[int]:
        """Partitions of `assignment` the context did not have (AdminZkClient.addPartitions wrote
        them); existing ones keep their replicas, as Kafka's processPartitionModifications does."""
        entry = self.topics[topic]
        new = sorted(p for p in assignment if p not in entry.assignment)
        for p in new:
            entry.assignment[p] = list(assignment[p])
        return new

    def remove_topic(self, topic: str) -> None:
        entry = self.topics.pop(topic, None)
        if entry is not None:
            for p in entry.assignment:
                self.states.pop((topic, p), None)

    def partitions(self) -> list[TopicPartition]:
        return [(t, p) for t in sorted(self.topics) for p in sorted(self.topics[t].assignment)]

    def replicas(self, tp: TopicPartition) -> list[int]:
        return self.topics[tp[0]].assignment[tp[1]]

    def put_state(
        self, tp: TopicPartition, leader: int, epoch: int, isr: list[int], ctl: int, zkv: int
    ) -> PState:
        st = PState(tp[0], tp[1], self.replicas(tp), leader, epoch, list(isr), ctl, zkv)
        self.states[tp] = st
        return st

    # --- what the controller has to write ---
    def new_partitions(self) -> dict[TopicPartition, list[int]]:
        """Assigned partitions without a state znode that have a live replica: their live
        replicas, the first the leader. Those without one wait (Kafka's NewPartition)."""
        out = {}
        for tp in self.partitions():
            if tp in self.states:
                continue
            alive = [r for r in self.replicas(tp) if r in self.live]
            if alive:
                out[tp] = alive
        return out

    def changes(self) -> dict[TopicPartition, tuple[int, list[int]]]:
        """Partitions whose leader or ISR must change for the live brokers: the new (leader, ISR)."""
        out = {}
        for tp, st in self.states.items():
            leader, isr = elect(st.replicas, st.leader, st.isr, self.live)
            if (leader, isr) != (st.leader, st.isr):
                out[tp] = (leader, isr)
        return out


def elect(replicas: list[int], leader: int, isr: list[int], live) -> tuple[int, list[int]]:
    """The (leader, ISR) a partition gets with these live brokers (see the module's docstring)."""
    new_isr = [r for r in isr if r in live] or isr[-1:]
    if leader in live:
        return leader, new_isr
    candidates = [r for r in replicas if r in isr and r in live]
    return (candidates[0] if candidates else -1), new_isr
