"""Creating and deleting topics on one node: what CreateTopics, DeleteTopics, Metadata's
auto-creation and the internal topics' coordinators ask for.

The checks are Kafka's, in Kafka's order (ControllerApis / ReplicationControlManager.createTopic
in KRaft, ZkAdminManager.createTopics in ZooKeeper mode); the placing of replicas is the
controller's (broker/cluster/controller.py). Where the topic is created depends on the node:
- the controller's node with no other broker ("single"): logs first, then the controller records
  the topic, so a storage error is answered;
- the controller's node of a cluster: the controller places the replicas, this node makes its
  own logs in a worker thread (3,000 partitions take seconds of mkdir and fsync), then the
  controller records the topic and the other brokers make theirs when the metadata reaches them;
- any other node forwards it to the controller (KRaft) or writes it to ZooKeeper (broker/zk/).
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from typing import Any, Protocol

from .cluster.controller import Controller
from .cluster.errors import ChannelError
from .cluster.metadata import ClusterMetadata, PartitionInfo, TopicInfo
from .log.manager import LogManager
from .log.partition_log import LogConfig
from .producers import PartitionProducers
from .protocol.errors import ErrorCode
from .topic_configs import InvalidTopicConfig, log_overrides, validate_topic_configs
from .topics import INTERNAL_TOPICS, topic_name_error

Created = tuple[ErrorCode, str | None, TopicInfo | None]  # (error, its message, the topic made)


class TopicHost(Protocol):
    """What topic creation needs of its node (broker/node.py's BrokerNode is one), so this module
    does not import the node that holds it."""

    @property
    def node_id(self) -> int: ...

    @property
    def config(self) -> Any: ...  # a KafkaConfig: settings by Kafka name

    @property
    def log_config(self) -> LogConfig: ...

    @property
    def metadata(self) -> ClusterMetadata: ...

    @property
    def logs(self) -> LogManager: ...

    @property
    def log(self) -> Any: ...  # its log4j-style logger

    @property
    def producers(self) -> dict[tuple[str, int], PartitionProducers]: ...

    @property
    def controller(self) -> Controller | None: ...

    @property
    def zk(self) -> Any: ...  # broker/zk/broker.ZkBroker in ZooKeeper mode, else None

    @property
    def lifecycle(self) -> Any: ...  # broker/cluster/lifecycle.BrokerLifecycle, else None

    def local_partition_info(self, index: int) -> PartitionInfo: ...

    def save_topic_configs(self) -> None: ...

    def wake_fetchers(self, tp: tuple[str, int] | None = None, *, appended: bool = True) -> None: ...


class TopicAdmin:
    def __init__(self, node: TopicHost):
        self.node = node
        self.creating: set[str] = set()  # topics whose logs a worker thread is making now

    def create(
        self,
        name: str,
        partitions: int,
        replication_factor: int,
        configs: dict | None = None,
        validate_only: bool = False,
        assignments: list[list[int]] | None = None,
    ) -> Created:
        """Validate, then let the controller place the replicas. On a broker-only node the request
        is forwarded and the answer is LEADER_NOT_AVAILABLE for now (as Kafka's auto-creation);
        CreateTopics awaits `create_forwarded` instead."""
        node = self.node
        err = topic_name_error(name)
        if err:
            return ErrorCode.INVALID_TOPIC_EXCEPTION, err, None
        if name in node.metadata.topics or name in self.creating:
            return ErrorCode.TOPIC_ALREADY_EXISTS, f"Topic '{name}' already exists.", None
        partitions, replication_factor = self._defaults(partitions, replication_factor)
        if partitions < 1:
            return ErrorCode.INVALID_PARTITIONS, "Number of partitions must be larger than 0.", None
        if replication_factor < 1:
            return ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.", None
        brokers = len(node.metadata.brokers)
        if replication_factor > brokers and node.config.zk_mode:
            # ZkAdminManager.createTopics places replicas on the metadata cache's live brokers
            return (
                ErrorCode.INVALID_REPLICATION_FACTOR,
                f"Replication factor: {replication_factor} larger than available brokers: {brokers}.",
                None,
            )
        # A forwarded auto-creation is judged by the controller (whose registered brokers this
        # node's metadata may not show yet), as Kafka's AutoTopicCreationManager leaves it to it.
        if replication_factor > brokers and (node.controller is not None or validate_only):
            return (
                ErrorCode.INVALID_REPLICATION_FACTOR,
                f"Unable to replicate the partition {replication_factor} time(s): The target replication "
                f"factor of {replication_factor} cannot be reached because only {brokers} "
                f"broker(s) are registered.",
                None,
            )
        try:  # Kafka's topic config names, types and ranges (broker/topic_configs.py)
            validate_topic_configs(configs)
            node.log_config.with_overrides(log_overrides(configs))
        except (InvalidTopicConfig, ValueError) as exc:
            return ErrorCode.INVALID_CONFIG, str(exc), None
        if validate_only:
            return ErrorCode.NONE, None, None
        if node.controller is None:
            asyncio.get_running_loop().create_task(
                self.create_forwarded(name, partitions, replication_factor, configs)
            )
            return ErrorCode.LEADER_NOT_AVAILABLE, "The topic is being created by the controller.", None
        if assignments is not None:
            partitions, replication_factor = len(assignments), len(assignments[0])
        elif self._single():
            return self._create_single(name, partitions, configs)
        return node.controller.create_topic(
            name, partitions, replication_factor, configs, assignments, internal=name in INTERNAL_TOPICS
        )

    async def create_forwarded(
        self,
        name: str,
        partitions: int,
        replication_factor: int,
        configs: dict | None,
        assignments: list[list[int]] | None = None,
        timeout_s: float = 10.0,
    ) -> Created:
        """A node without the controller: ZooKeeper mode writes the topic to ZooKeeper; KRaft
        forwards CreateTopics to the active controller and waits until its own metadata has it."""
        node = self.node
        if node.zk is not None:
            return await node.zk.create_topic(
                name, partitions, replication_factor, configs, assignments, timeout_s
            )
        if node.lifecycle is None:
            return ErrorCode.NOT_CONTROLLER, "no controller", None
        try:
            results, version = await node.lifecycle.client.create_topics(
                [
                    {
                        "name": name,
                        "partitions": partitions,
                        "replication_factor": replication_factor,
                        "configs": configs or {},
                        "assignments": assignments,
                    }
                ]
            )
        except ChannelError as exc:
            return ErrorCode.REQUEST_TIMED_OUT, f"the controller could not be reached: {exc}", None
        r = results[0]
        await node.lifecycle.wait_metadata(version, timeout_s)
        return ErrorCode(r["error_code"]), r["error_message"], node.metadata.topics.get(name)

    async def create_async(
        self,
        name: str,
        partitions: int,
        replication_factor: int,
        configs: dict | None = None,
        validate_only: bool = False,
        assignments: list[list[int]] | None = None,
    ) -> Created:
        """`create` for CreateTopics on the controller's node: the replicas are placed first, and
        this node's partition directories and files are made in a worker thread, so the event
        loop serves other clients meanwhile."""
        node = self.node
        # Kafka's checks, `self.creating` among them (a creation of the same name in flight is
        # refused there; nothing is awaited between it and the add below)
        err, _, _ = self.create(name, partitions, replication_factor, configs, validate_only=True)
        if err != ErrorCode.NONE or validate_only or node.controller is None:
            return self.create(name, partitions, replication_factor, configs, validate_only, assignments)
        partitions, replication_factor = self._defaults(partitions, replication_factor)
        single = assignments is None and self._single()
        if not single and assignments is None:  # place the replicas now, to know which logs are ours
            assignments = node.controller.place(partitions, replication_factor)
        if single:
            mine = list(range(partitions))
        else:
            mine = [p for p, replicas in enumerate(assignments or []) if node.node_id in replicas]
        topic_id = uuid.uuid4()
        self.creating.add(name)
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, self._make_logs, name, mine, topic_id, configs
            )
        except (OSError, ValueError) as exc:
            return self._creation_failed(name, exc)
        finally:
            self.creating.discard(name)
        if single:
            return self._create_single(name, partitions, configs, topic_id)
        assert assignments is not None
        return node.controller.create_topic(
            name,
            len(assignments),
            len(assignments[0]),
            configs,
            assignments,
            internal=name in INTERNAL_TOPICS,
            topic_id=topic_id,
        )

    def delete(self, name: str) -> ErrorCode:
        node = self.node
        if name not in node.metadata.topics:
            return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        if not node.config["delete.topic.enable"]:
            return ErrorCode.TOPIC_DELETION_DISABLED
        if node.controller is None:
            return ErrorCode.NOT_CONTROLLER  # DeleteTopics forwards it (apis/delete_topics.py)
        node.controller.delete_topic(name)  # apply_metadata drops the local logs
        node.save_topic_configs()
        node.wake_fetchers()  # a fetch long-polling on it answers now (UNKNOWN_TOPIC_OR_PARTITION)
        node.log.info(f"Deleted topic {name}")
        return ErrorCode.NONE

    def _defaults(self, partitions: int, replication_factor: int) -> tuple[int, int]:
        """-1 asks for the broker's num.partitions / default.replication.factor."""
        config = self.node.config
        return (
            config["num.partitions"] if partitions == -1 else partitions,
            config["default.replication.factor"] if replication_factor == -1 else replication_factor,
        )

    def _single(self) -> bool:
        """The controller's own broker is the cluster's only one."""
        return self.node.metadata.brokers.keys() == {self.node.node_id}

    def _make_logs(self, name: str, partitions: list[int], topic_id: uuid.UUID, configs: dict | None) -> None:
        """Worker thread: the partition logs (LogManager is thread-safe); nothing else."""
        overrides = log_overrides(configs)
        for p in partitions:
            self.node.logs.create(name, p, topic_id, overrides)

    def _creation_failed(self, name: str, exc: Exception) -> Created:
        """Disk trouble or a name the storage refuses: the logs made so far go, Kafka's error."""
        node = self.node
        node.log.error(f"Error while creating log for topic {name}: {exc}")
        if name in node.logs.topics():
            node.logs.delete_topic(name)
        code = (
            ErrorCode.KAFKA_STORAGE_ERROR if isinstance(exc, OSError) else ErrorCode.INVALID_TOPIC_EXCEPTION
        )
        return code, str(exc), None

    def _create_single(
        self, name: str, partitions: int, configs: dict | None, topic_id: uuid.UUID | None = None
    ) -> Created:
        """The controller's own broker is the only one: logs first (so a storage error is
        answered), then the controller records the topic. With `topic_id`, the logs were made
        already (create_async) and are only looked up here."""
        node = self.node
        assert node.controller is not None
        topic_id = topic_id or uuid.uuid4()
        info = TopicInfo(name, topic_id, {}, internal=name in INTERNAL_TOPICS)
        overrides = log_overrides(configs)
        try:
            for p in range(partitions):
                node.logs.create(name, p, topic_id, overrides)
                info.partitions[p] = node.local_partition_info(p)
                node.producers[(name, p)] = PartitionProducers()
        except (OSError, ValueError) as exc:
            return self._creation_failed(name, exc)
        node.controller.adopt_topic(info, dict(configs or {}))
        node.controller.publish(topics={name})
        if configs:
            node.save_topic_configs()
        node.log.info(
            f"Created topic {name} with topic ID "
            f"{base64.urlsafe_b64encode(topic_id.bytes).decode().rstrip('=')} and {partitions} partition(s)"
        )
        return ErrorCode.NONE, None, info
