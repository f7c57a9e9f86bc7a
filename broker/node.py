"""One broker node: its config, its logs, its cluster view and idempotent-producer state.

API handlers get the node from their RequestContext; the server owns the sockets. Everything here
runs on the event loop thread: appends and reads are page-cache file operations.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
import uuid
from dataclasses import dataclass

from .cluster.metadata import BrokerEndpoint, BrokerInfo, ClusterMetadata, PartitionInfo, TopicInfo
from .config import KafkaConfig
from .kafka_log import logger
from .log.batch import CorruptRecordError, InvalidRecordError, RecordBatchTooLargeError, RecordTooLargeError, iter_batches
from .log.manager import LogManager
from .log.partition_log import LogClosedError, LogConfig, PartitionLog
from .producers import Duplicate, PartitionProducers, ProducerIds, SequenceError
from .protocol.errors import ErrorCode
from .topics import INTERNAL_TOPICS, topic_name_error


@dataclass
class ProduceResult:
    error: ErrorCode
    base_offset: int = -1
    log_append_time: int = -1
    log_start_offset: int = -1
    message: str | None = None


# Topic-level overrides given at creation. Kafka keeps them in its metadata log; a single node
# keeps them in this file of the first log dir (the log loader ignores plain files).
TOPIC_CONFIGS_FILE = "topic-configs.json"


def _random_cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


class BrokerNode:
    def __init__(self, config: KafkaConfig, advertised: dict[str, BrokerEndpoint]):
        self.config = config
        self.node_id = config.node_id
        self.log = logger("kafka.server.KafkaServer", f"[KafkaServer id={self.node_id}]")
        self.log_config = LogConfig(
            segment_bytes=config["log.segment.bytes"], roll_ms=config.roll_ms,
            retention_bytes=config["log.retention.bytes"], retention_ms=config.retention_ms,
            index_interval_bytes=config["log.index.interval.bytes"], max_message_bytes=config["message.max.bytes"],
            flush_messages=config["log.flush.interval.messages"], flush_ms=config["log.flush.interval.ms"])
        self.logs = LogManager(config.log_dirs, self.log_config, node_id=self.node_id,
                               cluster_id=config["cluster.id"] or None,
                               log=logger("kafka.log.LogManager").info)
        self.log.info(f"Loaded {len(self.logs.partitions())} logs from {', '.join(map(str, config.log_dirs))}")
        cluster_id = getattr(self.logs, "cluster_id", None) or config["cluster.id"] or _random_cluster_id()
        self.metadata = ClusterMetadata(cluster_id, controller_id=self.node_id)
        self.metadata.register_broker(BrokerInfo(self.node_id, advertised, config["broker.rack"]))
        self.producers: dict[tuple[str, int], PartitionProducers] = {}
        self.producer_ids = ProducerIds()
        self.topic_configs: dict[str, dict] = {}  # topic-level overrides given at creation
        self._appended: asyncio.Future | None = None
        self._load_topics()
        self._load_topic_configs()

    # --- start-up ---
    def _load_topics(self) -> None:
        topics: dict[str, TopicInfo] = {}
        for plog in self.logs.partitions():
            t = topics.setdefault(plog.topic, TopicInfo(plog.topic, plog.topic_id, {}))
            t.partitions[plog.partition] = self._partition_info(plog.partition)
            plog.high_watermark = plog.log_end_offset  # single node: every stored record is committed
            self._rebuild_producers(plog)
        for t in topics.values():
            t.internal = t.name in INTERNAL_TOPICS
            self.metadata.put_topic(t)

    def _topic_configs_path(self):
        return self.config.log_dirs[0] / TOPIC_CONFIGS_FILE

    def _load_topic_configs(self) -> None:
        path = self._topic_configs_path()
        if not path.exists():
            return
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"{path}: unreadable topic configs ({exc}); fix or remove the file") from None
        for topic, overrides in stored.items():
            if topic in self.metadata.topics and overrides:
                self.logs.set_topic_config(topic, overrides)
                self.topic_configs[topic] = dict(overrides)

    def _save_topic_configs(self) -> None:
        path = self._topic_configs_path()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({t: c for t, c in sorted(self.topic_configs.items()) if c}, indent=1))
        os.replace(tmp, path)

    def _rebuild_producers(self, plog: PartitionLog) -> None:
        state = self.producers.setdefault((plog.topic, plog.partition), PartitionProducers())
        for h in plog.iter_batch_headers(plog.log_start_offset):
            if h.producer_id >= 0:
                self.producer_ids.seen(h.producer_id)
                state.record(h.producer_id, h.producer_epoch, h.base_sequence, h.last_sequence,
                             h.base_offset, h.last_offset, h.max_timestamp)

    def _partition_info(self, index: int) -> PartitionInfo:
        return PartitionInfo(index, leader=self.node_id, leader_epoch=0,
                             replicas=[self.node_id], isr=[self.node_id])

    # --- topics ---
    def create_topic(self, name: str, partitions: int, replication_factor: int,
                     configs: dict | None = None, validate_only: bool = False) -> tuple[ErrorCode, str | None, TopicInfo | None]:
        err = topic_name_error(name)
        if err:
            return ErrorCode.INVALID_TOPIC_EXCEPTION, err, None
        if name in self.metadata.topics:
            return ErrorCode.TOPIC_ALREADY_EXISTS, f"Topic '{name}' already exists.", None
        if partitions == -1:
            partitions = self.config["num.partitions"]
        if replication_factor == -1:
            replication_factor = self.config["default.replication.factor"]
        if partitions < 1:
            return ErrorCode.INVALID_PARTITIONS, "Number of partitions must be larger than 0.", None
        if replication_factor < 1:
            return ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.", None
        if replication_factor > len(self.metadata.brokers):
            return (ErrorCode.INVALID_REPLICATION_FACTOR,
                    f"Unable to replicate the partition {replication_factor} time(s): The target replication "
                    f"factor of {replication_factor} cannot be reached because only {len(self.metadata.brokers)} "
                    f"broker(s) are registered.", None)
        try:
            self.log_config.with_overrides(configs or None)
        except ValueError as exc:
            return ErrorCode.INVALID_CONFIG, str(exc), None
        if validate_only:
            return ErrorCode.NONE, None, None
        topic_id = uuid.uuid4()
        info = TopicInfo(name, topic_id, {}, internal=name in INTERNAL_TOPICS)
        try:
            for p in range(partitions):
                self.logs.create(name, p, topic_id, configs or None)
                info.partitions[p] = self._partition_info(p)
                self.producers[(name, p)] = PartitionProducers()
        except (OSError, ValueError) as exc:  # disk trouble or a name the storage refuses
            self.log.error(f"Error while creating log for topic {name}: {exc}")
            if info.partitions:
                self.logs.delete_topic(name)
            return ErrorCode.KAFKA_STORAGE_ERROR if isinstance(exc, OSError) else ErrorCode.INVALID_TOPIC_EXCEPTION, str(exc), None
        self.metadata.put_topic(info)
        self.topic_configs[name] = dict(configs or {})
        if configs:
            self._save_topic_configs()
        self.log.info(f"Created topic {name} with topic ID {base64.urlsafe_b64encode(topic_id.bytes).decode().rstrip('=')} "
                      f"and {partitions} partition(s)")
        return ErrorCode.NONE, None, info

    def delete_topic(self, name: str) -> ErrorCode:
        if name not in self.metadata.topics:
            return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        if not self.config["delete.topic.enable"]:
            return ErrorCode.TOPIC_DELETION_DISABLED
        info = self.metadata.remove_topic(name)
        if self.topic_configs.pop(name, None):
            self._save_topic_configs()
        self.logs.delete_topic(name)
        for p in info.partitions if info else ():
            self.producers.pop((name, p), None)
        self._wake_fetchers()  # a fetch long-polling on it answers now (UNKNOWN_TOPIC_OR_PARTITION)
        self.log.info(f"Deleted topic {name}")
        return ErrorCode.NONE

    def partition_log(self, topic: str, partition: int) -> PartitionLog | None:
        return self.logs.get(topic, partition)

    # --- produce ---
    def append(self, topic: str, partition: int, records, acks: int) -> ProduceResult:
        plog = self.logs.get(topic, partition)
        if plog is None:
            return ProduceResult(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
        if acks == -1 and self.config["min.insync.replicas"] > 1:
            return ProduceResult(ErrorCode.NOT_ENOUGH_REPLICAS, log_start_offset=plog.log_start_offset,
                                 message=f"The size of the current ISR Set({self.node_id}) is insufficient to satisfy the min.isr "
                                         f"requirement of {self.config['min.insync.replicas']} for partition {topic}-{partition}")
        state = self.producers.setdefault((topic, partition), PartitionProducers())
        try:
            headers = [h for h, _ in iter_batches(records, verify_crc=False)]
            if not headers:
                return ProduceResult(ErrorCode.CORRUPT_MESSAGE, message="empty record set")
            h0 = headers[0]
            if h0.producer_id >= 0:
                if h0.is_transactional:
                    return ProduceResult(ErrorCode.INVALID_REQUEST, message="transactions are not supported by this broker")
                dup = state.check(h0.producer_id, h0.producer_epoch, h0.base_sequence, headers[-1].last_sequence)
                if isinstance(dup, Duplicate):
                    return ProduceResult(ErrorCode.NONE, dup.first_offset, -1, plog.log_start_offset)
            info = plog.append(records)
        except SequenceError as exc:
            return ProduceResult(exc.code, log_start_offset=plog.log_start_offset, message=str(exc))
        except InvalidRecordError as exc:
            return ProduceResult(ErrorCode.INVALID_RECORD, log_start_offset=plog.log_start_offset, message=str(exc))
        except CorruptRecordError as exc:
            return ProduceResult(ErrorCode.CORRUPT_MESSAGE, log_start_offset=plog.log_start_offset, message=str(exc))
        except RecordBatchTooLargeError as exc:
            return ProduceResult(ErrorCode.RECORD_LIST_TOO_LARGE, log_start_offset=plog.log_start_offset, message=str(exc))
        except RecordTooLargeError as exc:
            return ProduceResult(ErrorCode.MESSAGE_TOO_LARGE, log_start_offset=plog.log_start_offset, message=str(exc))
        except LogClosedError as exc:  # deleted while the request was in flight
            return ProduceResult(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message=str(exc))
        except OSError as exc:  # disk full, I/O error: Kafka's KAFKA_STORAGE_ERROR, the broker stays up
            self.log.error(f"Error while appending to {topic}-{partition}: {exc}")
            return ProduceResult(ErrorCode.KAFKA_STORAGE_ERROR, message=str(exc))
        if h0.producer_id >= 0:
            state.record(h0.producer_id, h0.producer_epoch, h0.base_sequence, headers[-1].last_sequence,
                         info.base_offset, info.last_offset, info.max_timestamp)
        plog.high_watermark = plog.log_end_offset  # single node: the ISR is this node
        self._wake_fetchers()
        return ProduceResult(ErrorCode.NONE, info.base_offset, info.log_append_time, plog.log_start_offset)

    # --- long-poll support for Fetch ---
    def _wake_fetchers(self) -> None:
        fut = self._appended
        if fut is not None:
            self._appended = None
            if not fut.done():
                fut.set_result(None)

    async def wait_for_append(self, timeout_s: float) -> None:
        """Return after the next append or after `timeout_s`, whichever comes first."""
        if timeout_s <= 0:
            return
        if self._appended is None:
            self._appended = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(asyncio.shield(self._appended), timeout_s)
        except asyncio.TimeoutError:
            pass

    # --- housekeeping ---
    def enforce_retention(self) -> None:
        now = int(time.time() * 1000)
        for plog in list(self.logs.partitions()):
            removed = plog.enforce_retention(now)
            if removed:
                self.log.info(f"Deleted {removed} segment(s) of {plog.topic}-{plog.partition} by retention")

    def shutdown(self) -> None:
        self._wake_fetchers()
        self.logs.checkpoint()
        self.logs.close()
