"""The cluster view Metadata answers from: brokers with endpoints per listener, topics with ids,
partitions with leader/replicas/ISR/epoch. A single node fills it locally; a controller will
drive it later through the same methods."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BrokerEndpoint:
    host: str
    port: int


@dataclass
class BrokerInfo:
    node_id: int
    endpoints: dict[str, BrokerEndpoint]  # listener name → advertised endpoint
    rack: str | None = None


@dataclass
class PartitionInfo:
    index: int
    leader: int
    leader_epoch: int = 0
    replicas: list[int] = field(default_factory=list)
    isr: list[int] = field(default_factory=list)
    offline: list[int] = field(default_factory=list)
    # an ongoing reassignment (KIP-455): replicas being added / to be removed once they are in sync
    adding: list[int] = field(default_factory=list)
    removing: list[int] = field(default_factory=list)


@dataclass
class TopicInfo:
    name: str
    topic_id: uuid.UUID
    partitions: dict[int, PartitionInfo]
    internal: bool = False


class ClusterMetadata:
    def __init__(self, cluster_id: str, controller_id: int):
        self.cluster_id = cluster_id
        self.controller_id = controller_id
        self.brokers: dict[int, BrokerInfo] = {}
        self.topics: dict[str, TopicInfo] = {}

    def client_controller_id(self) -> int:
        """The controller id Metadata/DescribeCluster tell clients. A dedicated controller is never a
        listed broker, so name a live broker instead (Kafka's KRaft brokers name a random one; we
        take the lowest id): admin clients send CreateTopics there and it is forwarded."""
        if self.controller_id in self.brokers or not self.brokers:
            return self.controller_id
        return min(self.brokers)

    def register_broker(self, broker: BrokerInfo) -> None:
        self.brokers[broker.node_id] = broker

    def brokers_for_listener(self, listener: str) -> list[tuple[int, BrokerEndpoint, str | None]]:
        """Live brokers that have `listener`, with their advertised endpoint for it."""
        return [
            (b.node_id, b.endpoints[listener], b.rack)
            for b in sorted(self.brokers.values(), key=lambda b: b.node_id)
            if listener in b.endpoints
        ]

    def put_topic(self, topic: TopicInfo) -> None:
        self.topics[topic.name] = topic

    def remove_topic(self, name: str) -> TopicInfo | None:
        return self.topics.pop(name, None)

    def topic_by_id(self, topic_id: uuid.UUID) -> TopicInfo | None:
        return next((t for t in self.topics.values() if t.topic_id == topic_id), None)
