"""Idempotent-producer state per partition (Kafka's ProducerStateManager, reduced to what a
non-transactional idempotent producer needs): epoch checks, in-order sequences, and the last
five batches per producer so a retried batch is recognised and answered with its original offset.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .protocol.errors import ErrorCode

NO_PRODUCER_ID = -1
NO_SEQUENCE = -1
CACHED_BATCHES = 5  # Kafka keeps metadata of the last 5 batches per producer
INT32_MAX = 2**31 - 1


@dataclass
class _CachedBatch:
    first_seq: int
    last_seq: int
    first_offset: int
    last_offset: int
    timestamp: int


@dataclass
class ProducerEntry:
    epoch: int = -1
    batches: deque = field(default_factory=lambda: deque(maxlen=CACHED_BATCHES))

    @property
    def last_seq(self) -> int:
        return self.batches[-1].last_seq if self.batches else NO_SEQUENCE


class SequenceError(Exception):
    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Duplicate:
    first_offset: int
    last_offset: int
    timestamp: int


def _in_sequence(last_seq: int, next_seq: int) -> bool:
    return next_seq == last_seq + 1 or (next_seq == 0 and last_seq == INT32_MAX)


class PartitionProducers:
    """Producer entries of one partition."""

    def __init__(self) -> None:
        self.entries: dict[int, ProducerEntry] = {}

    def check(self, pid: int, epoch: int, first_seq: int, last_seq: int) -> Duplicate | None:
        """Raise SequenceError if the batch must be refused; return Duplicate if it was already
        appended; None if it is new and in order."""
        if pid == NO_PRODUCER_ID:
            return None
        entry = self.entries.get(pid)
        if entry is None:
            if first_seq != 0:
                raise SequenceError(
                    ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
                    f"Out of order sequence number for producer {pid}: found {first_seq} "
                    f"(incoming seq. number), expected 0 for an unknown producer",
                )
            return None
        if epoch < entry.epoch:
            raise SequenceError(
                ErrorCode.INVALID_PRODUCER_EPOCH,
                f"Epoch of producer {pid} is {epoch}, which is smaller than the last seen epoch {entry.epoch}",
            )
        if epoch == entry.epoch:
            for b in entry.batches:
                if b.first_seq == first_seq and b.last_seq == last_seq:
                    return Duplicate(b.first_offset, b.last_offset, b.timestamp)
            if not _in_sequence(entry.last_seq, first_seq):
                raise SequenceError(
                    ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
                    f"Out of order sequence number for producer {pid} at offset "
                    f"{entry.batches[-1].last_offset if entry.batches else -1}: {first_seq} "
                    f"(incoming seq. number), {entry.last_seq} (current end sequence number)",
                )
        elif first_seq != 0:  # a bumped epoch starts again at sequence 0
            raise SequenceError(
                ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
                f"Invalid sequence number for new epoch of producer {pid}: {epoch} "
                f"(request epoch), {first_seq} (seq. number), {entry.epoch} (current producer epoch)",
            )
        return None

    def record(
        self,
        pid: int,
        epoch: int,
        first_seq: int,
        last_seq: int,
        first_offset: int,
        last_offset: int,
        timestamp: int,
    ) -> None:
        if pid == NO_PRODUCER_ID:
            return
        entry = self.entries.get(pid)
        if entry is None or epoch != entry.epoch:
            entry = self.entries[pid] = ProducerEntry(epoch)
        entry.batches.append(_CachedBatch(first_seq, last_seq, first_offset, last_offset, timestamp))

    def check_epoch(self, pid: int, epoch: int) -> None:
        """Raise SequenceError if `epoch` is older than the producer's here (fenced)."""
        entry = self.entries.get(pid)
        if entry is not None and epoch < entry.epoch:
            raise SequenceError(
                ErrorCode.INVALID_PRODUCER_EPOCH,
                f"Epoch of producer {pid} is {epoch}, which is smaller than the last seen epoch "
                f"{entry.epoch}",
            )

    def end_transaction(self, pid: int, epoch: int) -> None:
        """A transaction marker: the producer's epoch here becomes the marker's (a bumped epoch
        fences the old one, whose next batch gets INVALID_PRODUCER_EPOCH; Kafka's
        ProducerAppendInfo.appendEndTxnMarker)."""
        entry = self.entries.get(pid)
        if entry is None or epoch != entry.epoch:
            self.entries[pid] = ProducerEntry(epoch)


class ProducerIds:
    """Hands out producer ids above every id seen in the logs, so a restarted broker never gives a
    new producer the id (and old sequence state) of an earlier one."""

    def __init__(self) -> None:
        self.next_id = 0

    def seen(self, pid: int) -> None:
        if pid >= self.next_id:
            self.next_id = pid + 1

    def allocate(self) -> int:
        pid = self.next_id
        self.next_id += 1
        return pid
