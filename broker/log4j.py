"""Log lines shaped like Kafka's log4j output, so users recognise (and can grep) them:

[2026-11-21 12:00:00,123] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)
"""

from __future__ import annotations

import logging
import sys
import time

_ROOT = "broker.kafka"


class _KafkaFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        t = time.localtime(record.created)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", t) + f",{int(record.msecs):03d}"
        level = {"WARNING": "WARN", "CRITICAL": "FATAL"}.get(record.levelname, record.levelname)
        prefix = getattr(record, "kafka_prefix", "")
        klass = getattr(record, "kafka_class", "kafka.Kafka$")
        line = f"[{stamp}] {level} {prefix + ' ' if prefix else ''}{record.getMessage()} ({klass})"
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            java = getattr(exc, "java_class", type(exc).__name__)
            line += f"\n{java}: {exc}"
        return line


def setup(stream=None, level: int = logging.INFO) -> None:
    """Send the broker's log to `stream` (stdout by default, as Kafka's console appender does)."""
    root = logging.getLogger(_ROOT)
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(_KafkaFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


class KafkaLogger(logging.LoggerAdapter):
    """A logger bound to a Kafka class name and a `[Component id=N]` prefix."""

    def __init__(self, kafka_class: str, prefix: str = ""):
        super().__init__(logging.getLogger(f"{_ROOT}.{kafka_class}"), {})
        self.kafka_class, self.prefix = kafka_class, prefix

    def process(self, msg, kwargs):
        extra = kwargs.setdefault("extra", {})
        extra.update(kafka_class=self.kafka_class, kafka_prefix=self.prefix)
        return msg, kwargs


def logger(kafka_class: str, prefix: str = "") -> KafkaLogger:
    return KafkaLogger(kafka_class, prefix)
