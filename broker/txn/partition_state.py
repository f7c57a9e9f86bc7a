"""Transactions as one partition sees them (the transactional half of Kafka's
ProducerStateManager, plus its TransactionIndex):

- ongoing: producer id -> first offset of its open transaction here; the first unstable offset
  is the smallest, and the last stable offset (LSO) is min(that, high watermark).
- completed but not yet stable: a transaction whose marker is above the high watermark still
  holds the LSO at its first offset (Kafka's unreplicatedTxns).
- aborted: (producer id, first offset, last offset, LSO) of every aborted transaction, kept in
  `<segment>.txnindex` files in Kafka's format (34-byte entries: version int16 0, producerId
  int64, firstOffset int64, lastOffset int64, lastStableOffset int64), read back at start; read
  committed fetches get the ones overlapping what they read.
"""

from __future__ import annotations

import os
import struct
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

from ..log.batch import BatchHeader
from .control import ABORT, control_type

TXN_INDEX_SUFFIX = ".txnindex"
_ENTRY = struct.Struct(">hqqqq")  # Kafka's AbortedTxn: 34 bytes


@dataclass(frozen=True, order=True)
class AbortedTxn:
    first_offset: int
    producer_id: int
    last_offset: int
    last_stable_offset: int


def read_txn_index(path: Path) -> list[AbortedTxn]:
    data = path.read_bytes()
    out = []
    for pos in range(0, len(data) - _ENTRY.size + 1, _ENTRY.size):
        version, pid, first, last, lso = _ENTRY.unpack_from(data, pos)
        if version != 0:
            raise ValueError(f"{path}: entry at byte {pos} has version {version}; Kafka's is 0")
        out.append(AbortedTxn(first, pid, last, lso))
    return out


class PartitionTxns:
    def __init__(self, plog) -> None:
        self.plog = plog
        self.ongoing: dict[int, int] = {}  # producer id -> first offset of its open transaction
        self.unstable_completed: list[tuple[int, int]] = []  # (first offset, marker offset)
        self.aborted: list[AbortedTxn] = []  # sorted by first offset
        self.indexed_markers: set[int] = set()  # last offsets already in a .txnindex

    # --- building ---
    def load_index(self) -> None:
        """The aborted transactions stored in the partition's .txnindex files. Entries at or
        beyond the log end (a truncated log) are dropped from the file, as Kafka truncates it."""
        leo = self.plog.log_end_offset
        for path in sorted(Path(self.plog.dir).glob("*" + TXN_INDEX_SUFFIX)):
            entries = read_txn_index(path)
            kept = [a for a in entries if a.last_offset < leo]
            if len(kept) != len(entries):
                path.write_bytes(b"".join(self._pack(a) for a in kept))
            for a in kept:
                self._add_aborted(a)
                self.indexed_markers.add(a.last_offset)

    def on_batch(self, h: BatchHeader, read_batch=None) -> None:
        """One stored batch, in offset order (appends, replication, the start-up scan).
        `read_batch(h)` returns the batch's bytes; needed only for control batches."""
        if h.producer_id < 0 or not h.is_transactional:
            return
        if not h.is_control:
            self.ongoing.setdefault(h.producer_id, h.base_offset)
            return
        first = self.ongoing.pop(h.producer_id, None)
        raw = read_batch(h) if read_batch is not None else None
        kind = control_type(raw, h) if raw is not None else None
        if first is None:
            return  # a marker for a transaction that wrote nothing here (or before log start)
        if h.base_offset >= self.plog.high_watermark:
            self.unstable_completed.append((first, h.base_offset))
        if kind == ABORT and h.base_offset not in self.indexed_markers:
            a = AbortedTxn(first, h.producer_id, h.base_offset, self.last_stable_offset())
            self._add_aborted(a)
            self.indexed_markers.add(a.last_offset)
            self._write_index(a)

    def _add_aborted(self, a: AbortedTxn) -> None:
        i = bisect_left(self.aborted, a)
        if i < len(self.aborted) and self.aborted[i] == a:
            return
        self.aborted.insert(i, a)

    @staticmethod
    def _pack(a: AbortedTxn) -> bytes:
        return _ENTRY.pack(0, a.producer_id, a.first_offset, a.last_offset, a.last_stable_offset)

    def _write_index(self, a: AbortedTxn) -> None:
        """Append the entry to the .txnindex of the segment the marker is in."""
        seg = self.plog.active_segment
        path = Path(self.plog.dir) / (Path(seg.log_path).stem + TXN_INDEX_SUFFIX)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, self._pack(a))
        finally:
            os.close(fd)

    # --- reading ---
    def last_stable_offset(self) -> int:
        hw = self.plog.high_watermark
        if not self.ongoing and not self.unstable_completed:  # no transactions: every fetch asks
            return hw
        self.unstable_completed = [(f, m) for f, m in self.unstable_completed if m >= hw]
        firsts = list(self.ongoing.values()) + [f for f, _ in self.unstable_completed]
        return min([hw, *firsts])

    def aborted_between(self, start: int, end: int) -> list[AbortedTxn]:
        """Aborted transactions that may hold records in [start, end) (Kafka's
        collectAbortedTransactions: lastOffset >= start and firstOffset < end)."""
        return [a for a in self.aborted if a.last_offset >= start and a.first_offset < end]
