"""The broker's log cleaner service (Kafka's LogCleaner thread and LogCleanerManager): every
`log.cleaner.backoff.ms` it picks the compacted logs (cleanup.policy containing `compact`) whose
dirty ratio reached min.cleanable.dirty.ratio, whose oldest dirty record passed
max.compaction.lag.ms, or whose kept tombstones have passed delete.retention.ms, and cleans them
one at a time in a worker thread (broker/log/cleaner.py). The first dirty offset of every log is
kept in `cleaner-offset-checkpoint` of its log dir, in Kafka's offset-checkpoint format.

Settings: the topic's override, else the broker's `log.cleanup.policy` /
`log.cleaner.min.cleanable.ratio` / `log.cleaner.min.compaction.lag.ms` /
`log.cleaner.max.compaction.lag.ms` / `log.cleaner.delete.retention.ms` (dynamic, then static),
else Kafka's default (broker/topic_configs.py's `effective`). The key map's bound comes from
`log.cleaner.dedupe.buffer.size`, `log.cleaner.io.buffer.load.factor` and
`log.cleaner.threads` (dynamic, then static); a pass that fills it moves the checkpoint only as
far as it mapped, so the next rounds clean the rest (Kafka's passes).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from .config import SETTINGS, convert_setting
from .log import checkpoints as ckpt
from .log.batch import CorruptRecordError, iter_batches
from .log.cleaner import CleanerSettings, clean, cleanable_end, dirty_ratio, map_entries, remove_staging
from .log.records import iter_records
from .log4j import logger
from .topic_configs import effective
from .txn.fetch_view import last_stable_offset
from .txn.registry import txns_of

CHECKPOINT_FILE = "cleaner-offset-checkpoint"
LONG_MAX = 2**63 - 1


def topic_setting(node, topic: str, name: str):
    """The topic's value (override, dynamic or static broker default, Kafka's default), typed."""
    return effective(name, node.topic_configs.get(topic, {}), node.broker_settings())


def policies(node, topic: str) -> set[str]:
    value = topic_setting(node, topic, "cleanup.policy")
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return {str(p).strip() for p in items if str(p).strip()}


def is_compacted(node, topic: str) -> bool:
    return "compact" in policies(node, topic)


def deletes(node, topic: str) -> bool:
    """Time and size retention apply only with the delete policy (Kafka's deleteOldSegments)."""
    return "delete" in policies(node, topic)


def broker_setting(node, name: str):
    """A broker-wide setting, typed: the per-broker dynamic value, the cluster default, else the
    static one."""
    settings = node.broker_settings()
    raw = settings.broker.get(name, settings.cluster.get(name))
    return node.config[name] if raw is None else convert_setting(SETTINGS[name], raw)


def settings_of(node, topic: str) -> CleanerSettings:
    return CleanerSettings(
        topic_setting(node, topic, "min.cleanable.dirty.ratio"),
        topic_setting(node, topic, "min.compaction.lag.ms"),
        topic_setting(node, topic, "max.compaction.lag.ms"),
        topic_setting(node, topic, "delete.retention.ms"),
        map_entries(
            broker_setting(node, "log.cleaner.dedupe.buffer.size"),
            float(broker_setting(node, "log.cleaner.io.buffer.load.factor")),
            broker_setting(node, "log.cleaner.threads"),
        ),
    )


def keyless_record_error(node, topic: str, partition: int, records, max_message_bytes: int) -> str | None:
    """Kafka's LogValidator: a compacted topic refuses records without a key (INVALID_RECORD).
    Checked after what Kafka checks first (analyzeAndValidateRecords: CRC, then size), so a
    corrupt or too large batch keeps its own error (the log's append raises it)."""
    if not is_compacted(node, topic):
        return None
    try:
        batches = list(iter_batches(records, verify_crc=True))
    except CorruptRecordError:
        return None
    if any(h.size > max_message_bytes for h, _ in batches):
        return None
    for h, raw in batches:
        if h.is_control:
            continue
        for rec in iter_records(raw, h):
            if rec.key is None:
                return (
                    "Compacted topic cannot accept message without key in topic partition "
                    f"{topic}-{partition}."
                )
    return None


class LogCleaner:
    def __init__(self, node):
        self.node = node
        self.log = logger("kafka.log.LogCleaner", "[kafka-log-cleaner-thread-0]:")
        raw = getattr(node.config, "raw", {}) or {}
        self.backoff_s = int(raw.get("log.cleaner.backoff.ms", 15000)) / 1000
        self.enabled = str(raw.get("log.cleaner.enable", "true")).lower() == "true"
        self.first_dirty: dict[tuple[str, int], int] = {}
        self.tombstones_due: dict[tuple[str, int], int] = {}
        self.passes = 0
        for d in node.config.log_dirs:
            path = Path(d) / CHECKPOINT_FILE
            if path.exists():
                self.first_dirty.update(ckpt.read_offsets(path))

    def _save(self) -> None:
        by_dir: dict[Path, dict[tuple[str, int], int]] = {}
        for plog in self.node.logs.partitions():
            tp = (plog.topic, plog.partition)
            if tp in self.first_dirty:
                by_dir.setdefault(Path(plog.dir).parent, {})[tp] = self.first_dirty[tp]
        for d, offsets in by_dir.items():
            ckpt.write_offsets(d / CHECKPOINT_FILE, offsets)

    def _due(self, plog, now: int) -> tuple[int, int] | None:
        """(first dirty, end) when the log should be cleaned now, else None."""
        tp = (plog.topic, plog.partition)
        s = settings_of(self.node, plog.topic)
        first_dirty = max(self.first_dirty.get(tp, 0), plog.log_start_offset)
        end = cleanable_end(plog, last_stable_offset(plog), s, now)
        if end <= plog.log_start_offset:
            return None
        if dirty_ratio(plog, first_dirty, end) >= s.min_cleanable_ratio and end > first_dirty:
            return first_dirty, end
        tomb = self.tombstones_due.get(tp)
        if tomb is not None and now >= tomb:
            return first_dirty, end
        if s.max_compaction_lag_ms < LONG_MAX and end > first_dirty:
            seg = next((x for x in plog.segments if x.next_offset > first_dirty), None)
            if seg is not None and 0 <= seg.max_timestamp < now - s.max_compaction_lag_ms:
                return first_dirty, end
        return None

    async def run(self) -> None:
        if not self.enabled:
            self.log.info("log.cleaner.enable=false: compacted topics are not cleaned")
            return
        while True:
            await asyncio.sleep(self.backoff_s)
            try:
                await self.clean_once()
            except Exception:  # a bug must not stop the cleaner for good: logged, next round
                self.log.error("Error in the log cleaner round", exc_info=True)

    async def clean_once(self) -> int:
        """One round over every compacted log; returns how many were cleaned."""
        cleaned = 0
        for plog in list(self.node.logs.partitions()):
            if not is_compacted(self.node, plog.topic):
                continue
            now = int(time.time() * 1000)
            due = self._due(plog, now)
            if due is None:
                continue
            first_dirty, end = due
            remove_staging(plog.dir)
            start = time.monotonic()
            aborted = txns_of(plog).aborted_between(plog.log_start_offset, end)
            try:
                stats = await asyncio.to_thread(
                    clean, plog, settings_of(self.node, plog.topic), first_dirty, end, now, aborted
                )
            except Exception as exc:  # a log deleted meanwhile or a disk error: skip it this round
                self.log.error(f"Error cleaning log {plog.topic}-{plog.partition}: {exc}")
                continue
            tp = (plog.topic, plog.partition)
            if stats.map_full:
                self.log.info(
                    f"Offset map for log {plog.topic}-{plog.partition} is full: cleaned up to offset "
                    f"{stats.end} of the dirty section [{first_dirty}, {end}), the rest in later passes"
                )
            self.first_dirty[tp] = max(first_dirty, stats.end)
            if stats.tombstones_kept_until is None:
                self.tombstones_due.pop(tp, None)
            else:
                self.tombstones_due[tp] = stats.tombstones_kept_until
            self._save()
            cleaned += 1
            self.passes += 1
            secs = time.monotonic() - start
            self.log.info(
                f"Log cleaner thread 0 cleaned log {plog.topic}-{plog.partition} (dirty section = "
                f"[{first_dirty}, {stats.end}])\n\t{stats.bytes_read / 1e6:,.1f} MB of log processed "
                f"in {secs:,.1f} "
                f"seconds, {stats.records_read} records read, {stats.records_kept} kept "
                f"({100 * (1 - stats.bytes_written / max(stats.bytes_read, 1)):.1f}% size reduction)"
            )
        return cleaned
