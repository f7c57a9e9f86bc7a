"""Kafka's LeaderEpochFileCache.endOffsetFor: given a log's (epoch, start offset) entries, the
largest epoch <= the one asked for and the offset where it ends (the next epoch's start, or the
log end). Serves OffsetForLeaderEpoch (KIP-101, KIP-279) and KRaft's divergence check."""

from __future__ import annotations

UNDEFINED = (-1, -1)


def end_offset_for(epochs: list[tuple[int, int]], log_end: int, epoch: int) -> tuple[int, int]:
    found = UNDEFINED
    for i, (e, _start) in enumerate(epochs):
        if e > epoch:
            break
        found = e, (epochs[i + 1][1] if i + 1 < len(epochs) else log_end)
    return found
