"""What a run of metadata records changed (Kafka's MetadataDelta, reduced): the topics and
partitions they touched, the topics they removed, and whether brokers, dynamic broker configs,
ACLs, client quotas, SCRAM credentials or features changed. Filled while the records are
replayed into the image (state_codec.replay), so a broker applies just these
(broker/raft/broker_publisher.py) in time proportional to the change, as Kafka's
BrokerMetadataPublisher does with a MetadataDelta, instead of rebuilding its whole view from the
image on every change."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MetadataDelta:
    # topic name -> the partitions its records named (empty: a config of the topic changed)
    topics: dict[str, set[int]] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)  # names whose RemoveTopicRecord was replayed
    brokers: bool = False  # a registration, fencing or unfencing
    broker_configs: bool = False
    acls: bool = False
    client_quotas: bool = False
    scram_credentials: bool = False
    features: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.topics
            or self.removed
            or self.brokers
            or self.broker_configs
            or self.acls
            or self.client_quotas
            or self.scram_credentials
            or self.features
        )

    def touch(self, topic: str, partition: int | None = None) -> None:
        parts = self.topics.setdefault(topic, set())
        if partition is not None:
            parts.add(partition)

    def remove(self, topic: str) -> None:
        """A removed topic's earlier changes in this run are moot; a TopicRecord of the same name
        after this (re-created) touches it again."""
        self.topics.pop(topic, None)
        self.removed.add(topic)

    def merge(self, other: MetadataDelta) -> None:
        for name in other.removed:
            self.remove(name)
        for name, parts in other.topics.items():
            self.topics.setdefault(name, set()).update(parts)
        self.brokers |= other.brokers
        self.broker_configs |= other.broker_configs
        self.acls |= other.acls
        self.client_quotas |= other.client_quotas
        self.scram_credentials |= other.scram_credentials
        self.features |= other.features

    def topic_names(self) -> set[str]:
        """Every topic whose local state may have to change: touched or removed."""
        return set(self.topics) | self.removed
