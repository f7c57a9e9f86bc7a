"""One broker node: its config, its logs, its cluster view and idempotent-producer state.

API handlers get the node from their RequestContext; the server owns the sockets. Everything here
runs on the event loop thread: appends and reads are page-cache file operations.
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from .acls import AclBinding, binding_from_json
from .cluster.controller import Controller
from .cluster.metadata import BrokerEndpoint, ClusterMetadata, PartitionInfo, TopicInfo
from .cluster.replication import ReplicaManager
from .cluster.snapshot import apply_snapshot
from .compaction import deletes, keyless_record_error
from .config import ConfigException, KafkaConfig, RequirementFailed
from .dynamic_broker_configs import LISTENER_CONFIGS, listener_config, log_defaults
from .fetch_waiters import FetchWaiters
from .log.batch import (
    CorruptRecordError,
    InvalidRecordError,
    RecordBatchTooLargeError,
    RecordTooLargeError,
    iter_batches,
)
from .log.manager import LogManager
from .log.partition_log import LogClosedError, LogConfig, PartitionLog
from .log4j import logger
from .producers import Duplicate, PartitionProducers, ProducerIds, SequenceError
from .protocol.errors import ErrorCode
from .topic_admin import TopicAdmin
from .topic_configs import (
    BrokerSettings,
    InvalidTopicConfig,
    effective,
    log_overrides,
)
from .topics import INTERNAL_TOPICS
from .txn import registry as txn_registry


@dataclass
class ProduceResult:
    error: ErrorCode
    base_offset: int = -1
    log_append_time: int = -1
    log_start_offset: int = -1
    message: str | None = None
    next_offset: int = -1  # the offset after the appended batch (acks=all waits for the HW to reach it)


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
        self.static_log_config = self.log_config = LogConfig(
            segment_bytes=config["log.segment.bytes"],
            roll_ms=config.roll_ms,
            retention_bytes=config["log.retention.bytes"],
            retention_ms=config.retention_ms,
            index_interval_bytes=config["log.index.interval.bytes"],
            max_message_bytes=config["message.max.bytes"],
            flush_messages=config["log.flush.interval.messages"],
            flush_ms=config["log.flush.interval.ms"],
        )
        self.logs = LogManager(
            config.log_dirs,
            self.log_config,
            node_id=self.node_id,
            cluster_id=config["cluster.id"] or None,
            log=logger("kafka.log.LogManager").info,
            zk_mode=config.zk_mode,
        )
        self.log.info(
            f"Loaded {sum(1 for _ in self.logs.partitions())} logs from "
            f"{', '.join(map(str, config.log_dirs))}"
        )
        cluster_id = getattr(self.logs, "cluster_id", None) or config["cluster.id"] or _random_cluster_id()
        self.advertised = advertised
        roles = set(config.process_roles)
        # Every node that is not in ZooKeeper mode runs KRaft (broker/raft/setup.py). The only
        # voter of a quorum of one (a combined or dedicated controller, or a node without
        # process.roles, which is its own quorum) keeps the active controller in `controller`
        # from start_cluster on; a node of a larger quorum reaches whichever voter is active.
        self.has_controller = ((not roles and not config.zk_mode) or "controller" in roles) and len(
            config.voters
        ) <= 1
        self.raft = self.quorum_controller = None  # broker/raft/: the Raft client and controller
        # A dedicated controller (process.roles=controller) serves only its controller listener:
        # it never registers as a broker, so it hosts no replica and no Metadata lists it.
        self.is_broker = not roles or "broker" in roles
        voter = next(iter(config.voters), self.node_id)
        self.metadata = ClusterMetadata(
            cluster_id, controller_id=self.node_id if self.has_controller else -1 if config.zk_mode else voter
        )
        self.producers: dict[tuple[str, int], PartitionProducers] = {}
        self.producer_ids = ProducerIds()
        self.topic_configs: dict[str, dict] = {}  # topic-level overrides given at creation
        self.broker_configs: dict[str, dict[str, str]] = {}  # dynamic ("" = cluster default, "<id>")
        self.acls: list[AclBinding] = []  # broker/acls.py
        # client quotas by entity path (broker/client_quotas.py): replayed ClientQuotaRecords, or
        # in ZooKeeper mode what /config/{clients,users,ips} hold (broker/zk/config_changes.py)
        self.client_quotas: dict[str, dict[str, float]] = {}
        # SCRAM credentials by user and mechanism (broker/scram_credentials.py): replayed
        # UserScramCredentialRecords (KRaft)
        self.scram_credentials: dict[str, dict[str, dict]] = {}
        self.fetch_waiters = FetchWaiters()  # long-polling fetches, by partition
        self.replicas = ReplicaManager(self)
        self.lifecycle = None  # broker/cluster/lifecycle.BrokerLifecycle on a broker-only node
        self.topic_admin = TopicAdmin(self)  # CreateTopics, DeleteTopics, auto-creation
        self.zk = None  # broker/zk/broker.ZkBroker in ZooKeeper mode (zookeeper.connect)
        self.controller: Controller | None = None  # set by broker/raft/setup.py (a quorum of one)
        self.incarnation = uuid.uuid4()  # this process's registration with a local controller
        # dynamic listener settings of this broker (broker/dynamic_broker_configs.py): main.py
        # re-binds and re-advertises through this hook when they change
        self.on_listeners_changed: Callable[[KafkaConfig], None] | None = None
        self._listener_overrides: dict[str, str] = {}

    def adopt_local_topics(self) -> None:
        """A data dir from before the metadata log (no topic in it): the topics found on disk,
        one replica each, here, with their stored configs; the controller records them."""
        assert self.controller is not None
        self._load_topics()
        self._load_topic_configs()
        for name, info in self.metadata.topics.items():
            self.controller.adopt_topic(info, self.topic_configs.get(name, {}))
        if self.metadata.topics:
            self.controller.publish()

    # --- start-up ---
    def _load_topics(self) -> None:
        topics: dict[str, TopicInfo] = {}
        for plog in self.logs.partitions():
            t = topics.setdefault(plog.topic, TopicInfo(plog.topic, plog.topic_id, {}))
            t.partitions[plog.partition] = self.local_partition_info(plog.partition)
            plog.high_watermark = plog.log_end_offset  # single node: every stored record is committed
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
                self.logs.set_topic_config(topic, log_overrides(overrides) or {})
                self.topic_configs[topic] = dict(overrides)

    def save_topic_configs(self) -> None:
        path = self._topic_configs_path()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({t: c for t, c in sorted(self.topic_configs.items()) if c}, indent=1))
        os.replace(tmp, path)

    def _rebuild_producers(self, plog: PartitionLog) -> None:
        state = self.producers.setdefault((plog.topic, plog.partition), PartitionProducers())
        txns, read = txn_registry.fresh(plog), txn_registry.batch_reader(plog)
        for h in plog.iter_batch_headers(plog.log_start_offset):
            txns.on_batch(h, read)  # open transactions and aborted ones, in the same scan
            if h.producer_id >= 0:
                self.producer_ids.seen(h.producer_id)
                state.record(
                    h.producer_id,
                    h.producer_epoch,
                    h.base_sequence,
                    h.last_sequence,
                    h.base_offset,
                    h.last_offset,
                    h.max_timestamp,
                )

    def rebuild_producers(self, plog: PartitionLog) -> None:
        """After a truncation or on becoming leader: the producer state of what the log holds."""
        self.producers[(plog.topic, plog.partition)] = PartitionProducers()
        self._rebuild_producers(plog)

    def follower_appended(self, plog: PartitionLog, records) -> None:
        state = self.producers.setdefault((plog.topic, plog.partition), PartitionProducers())
        txns = txn_registry.txns_of(plog)
        for h, raw in iter_batches(records, verify_crc=False):
            txns.on_batch(h, lambda _h, raw=raw: raw)  # open transactions, markers, .txnindex
            if h.is_control:  # a marker moves the producer's epoch (fencing), as on the leader
                state.end_transaction(h.producer_id, h.producer_epoch)
                continue
            if h.producer_id >= 0:
                self.producer_ids.seen(h.producer_id)
                state.record(
                    h.producer_id,
                    h.producer_epoch,
                    h.base_sequence,
                    h.last_sequence,
                    h.base_offset,
                    h.last_offset,
                    h.max_timestamp,
                )
        self.wake_fetchers((plog.topic, plog.partition))

    # --- cluster metadata → local replicas ---
    def apply_snapshot(self, snap: dict) -> None:
        """A broker-only node: the controller's state replaces ours."""
        self.topic_configs = apply_snapshot(self.metadata, snap)
        self.broker_configs = snap.get("broker_configs", {})
        self.acls = [binding_from_json(d) for d in snap.get("acls", [])]
        self.client_quotas = snap.get("client_quotas", {})
        self.scram_credentials = snap.get("scram_credentials", {})
        self.apply_metadata()

    def broker_settings(self) -> BrokerSettings:
        """This broker's settings with the dynamic layers over the static ones."""
        return BrokerSettings(
            self.config.raw, self.broker_configs.get("", {}), self.broker_configs.get(str(self.node_id), {})
        )

    def _apply_broker_configs(self) -> None:
        """Dynamic broker configs → the default log config of every log, and this broker's
        listener settings → the hook (each a no-op if unchanged)."""
        wanted = self.static_log_config.with_overrides(log_defaults(self.broker_settings()))
        if wanted != self.log_config:
            self.log_config = wanted
            self.logs.set_default_config(wanted)
            self.log.info(f"Log defaults now {wanted}")
        mine = self.broker_configs.get(str(self.node_id), {})
        listening = {k: v for k, v in mine.items() if k in LISTENER_CONFIGS}
        if listening != self._listener_overrides and self.on_listeners_changed is not None:
            self._listener_overrides = listening
            try:
                new = listener_config(self.config.raw, listening)
            except (ConfigException, RequirementFailed) as exc:
                # stored overrides that no longer fit the static config (it changed since): Kafka
                # logs invalid dynamic configs and starts with the static ones
                self.log.error(f"Dynamic listener configs {listening} are not valid here, ignored: {exc}")
                return
            self.on_listeners_changed(new)

    def watch_listeners(self, hook: Callable[[KafkaConfig], None]) -> None:
        """Set the listener hook; called at once if dynamic listener settings are already stored
        (Kafka applies them at start-up, before clients connect)."""
        self.on_listeners_changed = hook
        self._apply_broker_configs()

    def readvertise(self, endpoints: dict[str, BrokerEndpoint]) -> None:
        """New advertised endpoints (a dynamic advertised.listeners change, allowed where Kafka
        allows it: not on a KRaft broker): registered again with the in-process controller, so
        Metadata answers them (Kafka: KafkaController.updateBrokerInfo)."""
        self.advertised = endpoints
        if self.controller is not None and self.is_broker:
            self.controller.register_local(
                self.node_id,
                self.metadata.cluster_id,
                self.incarnation,
                endpoints,
                self.config["broker.rack"],
            )

    def apply_metadata(self, topics: set[str] | None = None) -> None:
        """Create the logs of the partitions this node replicates, lead or follow them, drop the
        logs of deleted topics. `topics`: only these changed (a metadata delta: Kafka's
        ReplicaManager.applyDelta looks at the delta's topics only); None: every topic."""
        me = self.node_id
        self._apply_broker_configs()
        local = self.logs.topics()  # one copy: it is a snapshot of the topic ids on disk
        names = list(self.metadata.topics) if topics is None else sorted(topics & self.metadata.topics.keys())
        for name in names:
            info = self.metadata.topics[name]
            known = local.get(name)
            if known is not None and known != info.topic_id:  # deleted and created again meanwhile
                self._drop_local_topic(name)
            for p in info.partitions.values():
                if me not in p.replicas:
                    if self.logs.get(name, p.index) is not None:  # reassigned away from this node
                        self._drop_local_partition(name, p.index)
                    continue
                plog = self.logs.get(name, p.index)
                if plog is None:
                    try:
                        self.logs.create(
                            name, p.index, info.topic_id, log_overrides(self.topic_configs.get(name))
                        )
                    except (OSError, ValueError) as exc:
                        self.log.error(f"Error while creating log for {name}-{p.index}: {exc}")
                        continue
                    self.producers.setdefault((name, p.index), PartitionProducers())
                self.replicas.apply(name, p)
            self._refresh_log_config(name)
        candidates = local.keys() if topics is None else topics & local.keys()
        for name in [n for n in candidates if n not in self.metadata.topics]:
            self._drop_local_topic(name)
        self.wake_fetchers()

    def _refresh_log_config(self, name: str) -> None:
        """Altered topic configs reach the topic's local logs (AlterConfigs)."""
        wanted = log_overrides(self.topic_configs.get(name)) or {}
        if self.logs.topic_overrides(name) != wanted and self.logs.topic_id(name) is not None:
            try:
                self.logs.set_topic_config(name, wanted)
            except ValueError as exc:  # validated before it was stored; an old state file may differ
                self.log.error(f"Topic {name}: configs not applied to its logs: {exc}")

    def _drop_local_partition(self, name: str, index: int) -> None:
        self.producers.pop((name, index), None)
        self.replicas.forget((name, index))
        try:
            self.logs.delete_partition(name, index)
        except OSError as exc:
            self.log.error(f"Error while deleting the local log of {name}-{index}: {exc}")
            return
        self.log.info(f"Deleted the local log of {name}-{index} (no longer a replica)")

    def _drop_local_topic(self, name: str) -> None:
        for t, p in [k for k in self.producers if k[0] == name]:
            self.producers.pop((t, p), None)
            self.replicas.forget((t, p))
        self.logs.delete_topic(name)
        self.log.info(f"Deleted the local log of topic {name}")

    def local_partition_info(self, index: int) -> PartitionInfo:
        return PartitionInfo(
            index, leader=self.node_id, leader_epoch=0, replicas=[self.node_id], isr=[self.node_id]
        )

    # --- topics: created and deleted by self.topic_admin (broker/topic_admin.py) ---
    def logs_to_make(self, snap: dict) -> list[tuple[str, int, uuid.UUID, dict | None]]:
        """The partitions of a controller snapshot that this node replicates and has no log for
        yet (a broker-only node makes them in a worker thread before applying the snapshot)."""
        known = self.logs.topics()
        out = []
        for d in snap.get("topics", []):
            topic_id = uuid.UUID(d["id"])
            if known.get(d["name"], topic_id) != topic_id:
                continue  # deleted and created again: apply_metadata drops the old logs first
            for p in d["partitions"]:
                if self.node_id in p["replicas"] and self.logs.get(d["name"], p["p"]) is None:
                    out.append((d["name"], p["p"], topic_id, log_overrides(d.get("configs"))))
        return out

    def make_logs(self, todo: list[tuple[str, int, uuid.UUID, dict | None]]) -> None:
        """Worker thread: make these logs; a failure is left to apply_metadata, which logs it."""
        for name, partition, topic_id, overrides in todo:
            try:
                self.logs.create(name, partition, topic_id, overrides)
            except (OSError, ValueError):
                pass

    def partition_log(self, topic: str, partition: int) -> PartitionLog | None:
        return self.logs.get(topic, partition)

    def missing_partition_error(self, topic: str, partition: int) -> ErrorCode:
        """No local log: a partition of the cluster hosted elsewhere, or none at all."""
        info = self.metadata.topics.get(topic)
        if info is not None and partition in info.partitions:
            return ErrorCode.NOT_LEADER_OR_FOLLOWER
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION

    # --- produce ---
    def append(
        self, topic: str, partition: int, records, acks: int, *, from_coordinator: bool = False
    ) -> ProduceResult:
        """`from_coordinator`: the group coordinator's transactional offset records (Kafka's
        AppendOrigin.Coordinator): the producer's epoch is checked, its sequence (-1) is not."""
        plog = self.logs.get(topic, partition)
        if plog is None:
            known = topic in self.metadata.topics and partition in self.metadata.topics[topic].partitions
            return ProduceResult(
                ErrorCode.NOT_LEADER_OR_FOLLOWER if known else ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            )
        leader = self.replicas.leader_state(topic, partition)
        if leader is None:
            return ProduceResult(
                ErrorCode.NOT_LEADER_OR_FOLLOWER,
                message=f"This server is not the leader for partition {topic}-{partition}",
            )
        min_isr = self.min_insync(topic)
        if acks == -1 and len(leader.isr) < min_isr:
            return ProduceResult(
                ErrorCode.NOT_ENOUGH_REPLICAS,
                log_start_offset=plog.log_start_offset,
                message=f"The size of the current ISR Set({', '.join(map(str, leader.isr))}) is insufficient "
                f"to satisfy the min.isr requirement of {min_isr} for partition {topic}-{partition}",
            )
        state = self.producers.setdefault((topic, partition), PartitionProducers())
        try:
            headers = [h for h, _ in iter_batches(records, verify_crc=False)]
            if not headers:
                return ProduceResult(ErrorCode.CORRUPT_MESSAGE, message="empty record set")
            h0 = headers[0]
            if from_coordinator:
                state.check_epoch(h0.producer_id, h0.producer_epoch)
            elif h0.producer_id >= 0:
                dup = state.check(
                    h0.producer_id, h0.producer_epoch, h0.base_sequence, headers[-1].last_sequence
                )
                if isinstance(dup, Duplicate):
                    return ProduceResult(
                        ErrorCode.NONE,
                        dup.first_offset,
                        -1,
                        plog.log_start_offset,
                        next_offset=dup.first_offset + 1,
                    )
            keyless = keyless_record_error(
                self, topic, partition, records, plog.config.max_message_bytes
            )  # compacted topics need keys
            if keyless:
                return ProduceResult(
                    ErrorCode.INVALID_RECORD, log_start_offset=plog.log_start_offset, message=keyless
                )
            info = plog.append(records, leader_epoch=leader.epoch)
        except SequenceError as exc:
            return ProduceResult(exc.code, log_start_offset=plog.log_start_offset, message=str(exc))
        except InvalidRecordError as exc:
            return ProduceResult(
                ErrorCode.INVALID_RECORD, log_start_offset=plog.log_start_offset, message=str(exc)
            )
        except CorruptRecordError as exc:
            return ProduceResult(
                ErrorCode.CORRUPT_MESSAGE, log_start_offset=plog.log_start_offset, message=str(exc)
            )
        except RecordBatchTooLargeError as exc:
            return ProduceResult(
                ErrorCode.RECORD_LIST_TOO_LARGE, log_start_offset=plog.log_start_offset, message=str(exc)
            )
        except RecordTooLargeError as exc:
            return ProduceResult(
                ErrorCode.MESSAGE_TOO_LARGE, log_start_offset=plog.log_start_offset, message=str(exc)
            )
        except LogClosedError as exc:  # deleted while the request was in flight
            return ProduceResult(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message=str(exc))
        except OSError as exc:  # disk full, I/O error: Kafka's KAFKA_STORAGE_ERROR, the broker stays up
            self.log.error(f"Error while appending to {topic}-{partition}: {exc}")
            return ProduceResult(ErrorCode.KAFKA_STORAGE_ERROR, message=str(exc))
        if h0.producer_id >= 0:
            state.record(
                h0.producer_id,
                h0.producer_epoch,
                h0.base_sequence,
                headers[-1].last_sequence,
                info.base_offset,
                info.last_offset,
                info.max_timestamp,
            )
            if h0.is_transactional:  # the partition's open transaction of this producer
                txn_registry.txns_of(plog).on_batch(h0._replace(base_offset=info.base_offset))
        self.replicas.maybe_advance_hw((topic, partition))  # the ISR is this node alone: HW = LEO
        self.wake_fetchers((topic, partition))  # followers read up to the log end
        return ProduceResult(
            ErrorCode.NONE,
            info.base_offset,
            info.log_append_time,
            plog.log_start_offset,
            next_offset=info.last_offset + 1,
        )

    def min_insync(self, topic: str) -> int:
        try:
            return int(
                effective("min.insync.replicas", self.topic_configs.get(topic, {}), self.broker_settings())
            )
        except (InvalidTopicConfig, TypeError, ValueError):
            return self.config["min.insync.replicas"]

    def producers_of(self, topic: str, partition: int) -> PartitionProducers:
        return self.producers.setdefault((topic, partition), PartitionProducers())

    # --- long-poll support for Fetch (broker/fetch_waiters.py) ---
    def wake_fetchers(self, tp: tuple[str, int] | None = None, *, appended: bool = True) -> None:
        """News of one partition (records appended, or with `appended=False` only its high
        watermark moved: news to consumers, not to followers), or of all (None)."""
        if tp is None:
            self.fetch_waiters.wake_all()
        else:
            self.fetch_waiters.wake(tp, appended=appended)

    # --- housekeeping ---
    def enforce_retention(self) -> None:
        now = int(time.time() * 1000)
        for plog in list(self.logs.partitions()):
            removed = plog.enforce_retention(now, by_time_and_size=deletes(self, plog.topic))
            if removed:
                self.log.info(f"Deleted {removed} segment(s) of {plog.topic}-{plog.partition} by retention")

    def shutdown(self) -> None:
        self.wake_fetchers()
        self.logs.checkpoint()
        self.logs.close()
