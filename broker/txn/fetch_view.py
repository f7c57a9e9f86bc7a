"""What Fetch (and ListOffsets) tell a consumer about transactions: the last stable offset, and
for `isolation.level=read_committed` the bound it reads to (the LSO, not the high watermark) and
the aborted transactions in what it read (Kafka's Partition.fetchRecords / collectAbortedTxns)."""

from __future__ import annotations

from .registry import txns_of

READ_COMMITTED = 1


def last_stable_offset(plog) -> int:
    return txns_of(plog).last_stable_offset()


def aborted_transactions(plog, start: int, end: int) -> list[dict]:
    """[{producer_id, first_offset}] of aborted transactions overlapping [start, end)."""
    return [
        {"producer_id": a.producer_id, "first_offset": a.first_offset}
        for a in txns_of(plog).aborted_between(max(start, plog.log_start_offset), end)
    ]
