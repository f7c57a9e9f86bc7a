"""Log configuration: Kafka's topic-level settings with Kafka's names and defaults."""

from __future__ import annotations

import time
from dataclasses import dataclass, fields, replace
from typing import Any


def now_ms() -> int:
    return time.time_ns() // 1_000_000


# Kafka's topic-level config names → LogConfig fields (CreateTopics / per-topic overrides).
TOPIC_CONFIG_KEYS = {
    "segment.bytes": "segment_bytes",
    "segment.ms": "roll_ms",
    "retention.bytes": "retention_bytes",
    "retention.ms": "retention_ms",
    "index.interval.bytes": "index_interval_bytes",
    "segment.index.bytes": "segment_index_bytes",
    "max.message.bytes": "max_message_bytes",
    "flush.messages": "flush_messages",
    "flush.ms": "flush_ms",
    "message.timestamp.type": "message_timestamp_type",
}


@dataclass
class LogConfig:
    segment_bytes: int = 1 << 30
    roll_ms: int = 7 * 24 * 3600 * 1000
    retention_bytes: int = -1
    retention_ms: int = 7 * 24 * 3600 * 1000
    index_interval_bytes: int = 4096
    segment_index_bytes: int = 10 * 1024 * 1024  # an index this big is full: roll (Kafka's limit)
    max_message_bytes: int = 1048588
    flush_messages: int | None = None  # None: leave it to the OS (Kafka's default)
    flush_ms: int | None = None
    message_timestamp_type: str = "CreateTime"  # or "LogAppendTime"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        def bad(name: str, value: Any, valid: str) -> ValueError:
            key = next((k for k, v in TOPIC_CONFIG_KEYS.items() if v == name), name)
            return ValueError(f"Invalid value {value} for configuration {key}: {valid}")

        if self.segment_bytes < 14:  # Kafka: LegacyRecord.RECORD_OVERHEAD_V0
            raise bad("segment_bytes", self.segment_bytes, "Value must be at least 14")
        if self.roll_ms < 1:
            raise bad("roll_ms", self.roll_ms, "Value must be at least 1")
        if self.segment_index_bytes < 4:
            raise bad("segment_index_bytes", self.segment_index_bytes, "Value must be at least 4")
        if self.index_interval_bytes < 0:
            raise bad("index_interval_bytes", self.index_interval_bytes, "Value must be at least 0")
        if self.max_message_bytes < 0:
            raise bad("max_message_bytes", self.max_message_bytes, "Value must be at least 0")
        for name in ("flush_messages", "flush_ms"):
            v = getattr(self, name)
            if v is not None and v < (1 if name == "flush_messages" else 0):
                raise bad(
                    name,
                    v,
                    "Value must be at least 1" if name == "flush_messages" else "Value must be at least 0",
                )
        if self.message_timestamp_type not in ("CreateTime", "LogAppendTime"):
            raise bad(
                "message_timestamp_type",
                self.message_timestamp_type,
                "String must be one of: CreateTime, LogAppendTime",
            )

    def with_overrides(self, overrides: dict[str, Any] | None) -> LogConfig:
        """Apply Kafka topic config names (`retention.ms`) or field names (`retention_ms`)."""
        if not overrides:
            return replace(self)
        known = {f.name for f in fields(self)}
        changes: dict[str, Any] = {}
        for key, value in overrides.items():
            name = TOPIC_CONFIG_KEYS.get(key, key)
            if name not in known:
                raise ValueError(
                    f"Unknown topic config {key!r}; known: {', '.join(sorted(TOPIC_CONFIG_KEYS))}"
                )
            if name != "message_timestamp_type" and value is not None:
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    raise ValueError(
                        f"Invalid value {value} for configuration {key}: Not a number of type LONG"
                    ) from None
            changes[name] = value
        return replace(self, **changes)
