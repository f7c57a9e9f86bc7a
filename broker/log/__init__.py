"""The broker's storage, in Kafka's on-disk format (see docs/storage.md)."""

from broker.log.batch import (
    BatchHeader,
    CorruptRecordError,
    InvalidRecordError,
    RecordBatchTooLargeError,
    RecordTooLargeError,
    iter_batches,
)
from broker.log.manager import LogDirError, LogManager
from broker.log.partition_log import (
    AppendInfo,
    LogClosedError,
    LogConfig,
    OffsetOutOfRangeError,
    PartitionLog,
)

__all__ = [
    "AppendInfo",
    "BatchHeader",
    "CorruptRecordError",
    "InvalidRecordError",
    "LogClosedError",
    "LogConfig",
    "LogDirError",
    "LogManager",
    "OffsetOutOfRangeError",
    "PartitionLog",
    "RecordBatchTooLargeError",
    "RecordTooLargeError",
    "iter_batches",
]
