"""LogManager: every partition log under `log.dirs`, plus the per-directory files.

On start it checks (or writes) `meta.properties`, loads every `<topic>-<partition>` directory
(recovering after an unclean shutdown, i.e. when `.kafka_cleanshutdown` is absent), and reads
the three offset checkpoints. `close()` flushes, checkpoints and leaves the clean-shutdown marker.
"""

from __future__ import annotations

import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from broker.log import checkpoints as ckpt
from broker.log.partition_log import FUTURE_SUFFIX, LogConfig, PartitionLog, now_ms

_LEGAL_TOPIC = re.compile(r"^[a-zA-Z0-9._-]+$")
_PARTITION_DIR = re.compile(r"^(?P<topic>.+)-(?P<partition>\d+)$")
METADATA_LOG_DIR = "__cluster_metadata-0"


class LogDirError(Exception):
    """A log dir cannot be used (mismatching meta.properties, unreadable files)."""


def validate_topic_name(topic: str) -> None:
    """Kafka's Topic.validate messages."""
    if not topic:
        raise ValueError("Topic name is illegal, it can't be empty")
    if topic in (".", ".."):
        raise ValueError('Topic name cannot be "." or ".."')
    if len(topic) > 249:
        raise ValueError(
            f"Topic name is illegal, it can't be longer than 249 characters, topic name: {topic}"
        )
    if not _LEGAL_TOPIC.match(topic):
        raise ValueError(
            f'Topic name "{topic}" is illegal, it contains a character other than ASCII alphanumerics, '
            "'.', '_' and '-'"
        )


class LogManager:
    def __init__(
        self,
        log_dirs: list[Path],
        config: LogConfig,
        *,
        node_id: int,
        cluster_id: str | None = None,
        clock: Callable[[], int] = now_ms,
        log: Callable[[str], None] | None = None,
        zk_mode: bool = False,
    ) -> None:
        if not log_dirs:
            raise LogDirError("log.dirs is empty: at least one directory is needed")
        self.log_dirs = [Path(d) for d in log_dirs]
        self.config = config
        self.node_id = node_id
        self.clock = clock
        self._log = log or (lambda msg: None)
        self._lock = threading.RLock()
        self._logs: dict[tuple[str, int], PartitionLog] = {}
        self._topic_ids: dict[str, uuid.UUID] = {}
        self._topic_overrides: dict[str, dict[str, Any]] = {}
        self.zk_mode = zk_mode  # ZooKeeper mode writes meta.properties version 0 (broker.id)
        self.cluster_id = self._check_meta_properties(cluster_id)
        self.recovered_unclean: list[Path] = []
        # AlterReplicaLogDirs of a partition this broker does not host yet: where it goes when
        # created (Kafka's LogManager.preferredLogDirs)
        self.preferred_dirs: dict[tuple[str, int], Path] = {}
        futures: list[Path] = []
        self._removed: set[str] = set()  # `-delete` dir names found at start (a move's commit mark)
        for d in self.log_dirs:
            futures += self._load_dir(d)
        self._finish_interrupted_moves(futures)

    # -- meta.properties -----------------------------------------------------------------

    def _check_meta_properties(self, cluster_id: str | None) -> str:
        stored: dict[Path, dict[str, str]] = {}
        for d in self.log_dirs:
            d.mkdir(parents=True, exist_ok=True)
            path = d / ckpt.META_PROPERTIES
            try:
                props = ckpt.read_properties(path)
            except ckpt.CheckpointError as e:
                raise LogDirError(str(e)) from None
            if props is None:
                continue
            if props.get("version") not in ("0", "1"):
                raise LogDirError(f"{path}: unsupported version {props.get('version')!r} (expected 1)")
            node = props.get("node.id", props.get("broker.id"))
            if node is None:
                raise LogDirError(f"node.id was not specified in {path}")
            if int(node) != self.node_id:
                raise LogDirError(
                    f"Stored node id {node} doesn't match previous node id {self.node_id} in {path}. If you "
                    "moved your data, make sure your configured node id matches. If you intend to create a "
                    "new node, you should remove all data in your data directories."
                )
            found = props.get("cluster.id")
            if found:
                if cluster_id is None:
                    cluster_id = found
                elif found != cluster_id:
                    raise LogDirError(
                        f"Invalid cluster.id in: {path}. Expected {cluster_id}, but read {found}"
                    )
            stored[d] = props
        if cluster_id is None:
            cluster_id = ckpt.kafka_uuid_str(uuid.uuid4())
        for d in self.log_dirs:
            props = stored.get(d)
            if self.zk_mode:  # Kafka's ZooKeeper-mode file: version=0, broker.id, cluster.id
                if props is None or props.get("version") != "0" or not props.get("cluster.id"):
                    ckpt.write_properties(
                        d / ckpt.META_PROPERTIES,
                        {"cluster.id": cluster_id, "version": "0", "broker.id": str(self.node_id)},
                    )
                continue
            if props is not None and props.get("cluster.id") and "directory.id" in props:
                continue
            props = dict(props or {})
            props.update({"cluster.id": cluster_id, "node.id": str(self.node_id), "version": "1"})
            props.setdefault("directory.id", ckpt.kafka_uuid_str(uuid.uuid4()))
            props.pop("broker.id", None)
            ckpt.write_properties(d / ckpt.META_PROPERTIES, props)
        return cluster_id

    # -- loading -------------------------------------------------------------------------

    def _load_dir(self, d: Path) -> list[Path]:
        """Load the logs of one dir; returns its `-future` dirs (moves a crash interrupted)."""
        futures: list[Path] = []
        marker = d / ckpt.CLEAN_SHUTDOWN
        clean = marker.exists()
        try:
            recovery = ckpt.read_offsets(d / ckpt.RECOVERY_POINT_CHECKPOINT)
            hws = ckpt.read_offsets(d / ckpt.REPLICATION_CHECKPOINT)
            starts = ckpt.read_offsets(d / ckpt.LOG_START_CHECKPOINT)
        except ckpt.CheckpointError as e:
            raise LogDirError(str(e)) from None
        has_logs = False
        for sub in sorted(d.iterdir()):
            if not sub.is_dir():
                continue
            if sub.name.endswith("-delete"):  # a deletion (or a committed move) a crash interrupted
                self._removed.add(sub.name)
                shutil.rmtree(sub, ignore_errors=True)
                continue
            if sub.name.endswith(FUTURE_SUFFIX):
                futures.append(sub)
                continue
            m = _PARTITION_DIR.match(sub.name)
            if m is None or sub.name == METADATA_LOG_DIR:
                continue  # not a partition, or KRaft's metadata log (never a data topic)
            topic, partition = m["topic"], int(m["partition"])
            has_logs = True
            tp = (topic, partition)
            if tp in self._logs:
                raise LogDirError(
                    f"Duplicate log directories for {topic}-{partition} are found in both "
                    f"{self._logs[tp].dir} and {sub}"
                )
            try:
                topic_id = ckpt.read_partition_metadata(sub)
            except ckpt.CheckpointError as e:
                raise LogDirError(str(e)) from None
            if topic_id is None:
                topic_id = self._topic_ids.get(topic) or uuid.uuid4()
                self._log(f"{sub}: no partition.metadata; assigning topic id {ckpt.kafka_uuid_str(topic_id)}")
            known = self._topic_ids.setdefault(topic, topic_id)
            if known != topic_id:
                raise LogDirError(
                    f"{sub / ckpt.PARTITION_METADATA}: topic id {ckpt.kafka_uuid_str(topic_id)} differs from "
                    f"{ckpt.kafka_uuid_str(known)} stored by another partition of {topic}"
                )
            self._logs[tp] = PartitionLog(
                sub,
                topic,
                partition,
                topic_id,
                self.config,
                recovery_point=recovery.get(tp, 0),
                log_start_offset=starts.get(tp, 0),
                high_watermark=hws.get(tp, 0),
                clean_shutdown=clean,
                clock=self.clock,
                log=self._log,
            )
        if has_logs and not clean:
            self.recovered_unclean.append(d)
            self._log(f"{d}: no clean shutdown marker; recovered logs from their recovery points")
        marker.unlink(missing_ok=True)  # from now on a crash is an unclean shutdown
        return futures

    def _finish_interrupted_moves(self, futures: list[Path]) -> None:
        """A move between log dirs (PartitionLog.move_to) cut by a crash. It committed when the
        source was renamed `<name>.<uuid>-delete` with the future dir's uuid: then the copy is the
        log. Otherwise the copy goes: the source is still the log, or the partition was deleted
        while it was being copied (Kafka deletes the future log with the partition)."""
        for sub in futures:
            name, _, tag = sub.name[: -len(FUTURE_SUFFIX)].rpartition(".")
            m = _PARTITION_DIR.match(name)
            committed = f"{name}.{tag}-delete" in self._removed
            if m is None or not committed or (m["topic"], int(m["partition"])) in self._logs:
                shutil.rmtree(sub, ignore_errors=True)
                continue
            target = sub.with_name(name)
            sub.rename(target)
            topic, partition = m["topic"], int(m["partition"])
            topic_id = ckpt.read_partition_metadata(target) or self._topic_ids.get(topic) or uuid.uuid4()
            self._topic_ids.setdefault(topic, topic_id)
            self._log(f"{target}: finished a move between log dirs that a crash interrupted")
            self._logs[(topic, partition)] = PartitionLog(
                target, topic, partition, topic_id, self.config, clock=self.clock, log=self._log
            )

    # -- partitions ----------------------------------------------------------------------

    def get(self, topic: str, partition: int) -> PartitionLog | None:
        return self._logs.get((topic, partition))

    def create(
        self, topic: str, partition: int, topic_id: uuid.UUID, config_overrides: dict | None = None
    ) -> PartitionLog:
        validate_topic_name(topic)
        if partition < 0:
            raise ValueError(f"partition must be >= 0, got {partition}")
        with self._lock:
            known = self._topic_ids.get(topic)
            if known is not None and known != topic_id:
                raise ValueError(
                    f"topic {topic} already exists here with id {ckpt.kafka_uuid_str(known)}, not "
                    f"{ckpt.kafka_uuid_str(topic_id)}"
                )
            if config_overrides is not None:
                self._topic_overrides[topic] = dict(config_overrides)
            existing = self._logs.get((topic, partition))
            if existing is not None:
                return existing
            config = self.config.with_overrides(self._topic_overrides.get(topic))
            d = self.preferred_dirs.pop((topic, partition), None) or self._least_used_dir()
            log = PartitionLog(
                d / f"{topic}-{partition}",
                topic,
                partition,
                topic_id,
                config,
                clock=self.clock,
                log=self._log,
            )
            self._logs[(topic, partition)] = log
            self._topic_ids[topic] = topic_id
            return log

    def _least_used_dir(self) -> Path:
        """Kafka's LogManager.nextLogDirs: the directory with the fewest partitions. One pass
        over the logs (not one per directory per log: 3,000 partitions were quadratic)."""
        if len(self.log_dirs) == 1:
            return self.log_dirs[0]
        counts = dict.fromkeys(self.log_dirs, 0)
        for log in self._logs.values():
            parent = log.dir.parent
            if parent in counts:
                counts[parent] += 1
        return min(self.log_dirs, key=counts.__getitem__)

    def log_dir_named(self, path: str) -> Path | None:
        """The configured log dir `path` names (Kafka compares absolute paths), or None."""
        for d in self.log_dirs:
            if path in (str(d), str(d.absolute())):
                return d
        return None

    def move_partition(self, topic: str, partition: int, dest: Path) -> bool:
        """AlterReplicaLogDirs for one partition (blocking: run it off the event loop). Returns
        False if this broker has no log for it (the dir is remembered for when it is created, as
        Kafka's maybeUpdatePreferredLogDir does)."""
        with self._lock:
            log = self._logs.get((topic, partition))
            if log is None:
                self.preferred_dirs[(topic, partition)] = dest
                return False
            self.preferred_dirs.pop((topic, partition), None)
            if log.dir.parent == dest:
                return True
        log.move_to(dest)
        with self._lock:
            self.checkpoint()
        return True

    def set_topic_config(self, topic: str, overrides: dict[str, Any]) -> None:
        """Per-topic overrides (Kafka topic config names), applied to existing partitions too."""
        with self._lock:
            config = self.config.with_overrides(overrides)
            self._topic_overrides[topic] = dict(overrides)
            for (t, _), log in self._logs.items():
                if t == topic:
                    log.config = config

    def set_default_config(self, config: LogConfig) -> None:
        """New broker-wide defaults (dynamic broker configs): every log gets them under its topic's
        overrides."""
        with self._lock:
            self.config = config
            for (t, _), log in self._logs.items():
                log.config = config.with_overrides(self._topic_overrides.get(t))

    def topic_overrides(self, topic: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._topic_overrides.get(topic) or {})

    def delete_partition(self, topic: str, partition: int) -> None:
        """One partition's log goes (a replica moved away by a reassignment; Kafka's StopReplica
        with deletion), the same way as a deleted topic's: renamed `-delete`, then removed."""
        with self._lock:
            log = self._logs.pop((topic, partition), None)
            if log is None:
                return
            log.delete()
            doomed = log.dir.with_name(f"{log.dir.name}.{uuid.uuid4().hex}-delete")
            log.dir.rename(doomed)
            shutil.rmtree(doomed)
            if not any(t == topic for t, _ in self._logs):
                self._topic_ids.pop(topic, None)
                self._topic_overrides.pop(topic, None)

    def delete_topic(self, topic: str) -> None:
        """Kafka's way: rename each partition dir to `<topic>-<p>.<uuid>-delete`, then remove it."""
        with self._lock:
            for tp in [tp for tp in self._logs if tp[0] == topic]:
                log = self._logs.pop(tp)
                log.delete()
                doomed = log.dir.with_name(f"{log.dir.name}.{uuid.uuid4().hex}-delete")
                log.dir.rename(doomed)
                shutil.rmtree(doomed)
            self._topic_ids.pop(topic, None)
            self._topic_overrides.pop(topic, None)

    def partitions(self) -> Iterable[PartitionLog]:
        return list(self._logs.values())

    def topics(self) -> dict[str, uuid.UUID]:
        return dict(self._topic_ids)

    def topic_id(self, topic: str) -> uuid.UUID | None:
        """The id of a topic with local logs (None: none here), without copying every topic's."""
        return self._topic_ids.get(topic)

    # -- housekeeping --------------------------------------------------------------------

    def enforce_retention(self, now: int | None = None) -> int:
        return sum(log.enforce_retention(now) for log in self.partitions())

    def flush(self) -> None:
        for log in self.partitions():
            log.flush()

    def flush_due(self, now: int | None = None) -> int:
        """fsync the logs whose flush.ms has elapsed (call every few seconds when flush.ms is
        set); returns how many were flushed."""
        return sum(log.maybe_flush(now) for log in self.partitions())

    def checkpoint(self) -> None:
        """Write the three offset checkpoints of every log dir (Kafka does this periodically)."""
        with self._lock:
            for d in self.log_dirs:
                logs = [log for log in self._logs.values() if log.dir.parent == d]
                ckpt.write_offsets(
                    d / ckpt.RECOVERY_POINT_CHECKPOINT,
                    {(log.topic, log.partition): log.recovery_point for log in logs},
                )
                ckpt.write_offsets(
                    d / ckpt.REPLICATION_CHECKPOINT,
                    {(log.topic, log.partition): log.high_watermark for log in logs},
                )
                # Kafka lists only logs whose start offset is above their first segment's base.
                ckpt.write_offsets(
                    d / ckpt.LOG_START_CHECKPOINT,
                    {
                        (log.topic, log.partition): log.log_start_offset
                        for log in logs
                        if log.log_start_offset > log.segments[0].base_offset
                    },
                )

    def close(self) -> None:
        """Flush and close every log, checkpoint, then mark each dir cleanly shut down."""
        with self._lock:
            for log in self._logs.values():
                log.close()
            self.checkpoint()
            for d in self.log_dirs:
                # Kafka 3.9's CleanShutdownFileHandler content; we have no broker epoch
                ckpt.write_atomically(d / ckpt.CLEAN_SHUTDOWN, '{"version":0,"brokerEpoch":-1}')
