"""A follower's truncation on a new leader epoch, as Kafka's ReplicaFetcherThread does since
KIP-101/KIP-279: before fetching, ask the leader with OffsetForLeaderEpoch (key 23) where our
latest epoch ends in its log and cut ours there — not at our high watermark, which would drop
acknowledged records a second failure could then lose for good.

- the leader has our epoch: truncate to min(its end offset, our log end);
- the leader's answer names an older epoch (it never had ours): truncate to the smaller of its
  end offset and where that older epoch ends in our own log (KIP-279);
- the leader knows no epoch at or below ours (UNDEFINED): fall back to our high watermark."""

from __future__ import annotations

from typing import Any, Protocol

from ..apis import offset_for_leader_epoch
from ..protocol.errors import ErrorCode
from .leader_epochs import end_offset_for


class Fetcher(Protocol):
    """What this module needs of broker/cluster/fetcher.Fetcher (no import: fetcher imports us)."""

    node: Any
    partitions: dict[tuple[str, int], int]
    channel: Any
    log: Any


VERSION = 3  # with replica_id, as a broker's fetcher sends it


async def reconcile(fetcher: Fetcher, timeout_s: float) -> bool:
    """Truncate this fetcher's partitions that wait for it; False when the leader could not
    answer for some (the caller backs off and calls again)."""
    node = fetcher.node
    pending = node.replicas.pending_truncation
    asked: dict[tuple[str, int], int] = {}
    topics: dict[str, list[dict]] = {}
    for tp, epoch in sorted(fetcher.partitions.items()):
        if tp not in pending:
            continue
        plog = node.logs.get(*tp)
        epochs = plog.leader_epochs if plog is not None else []
        if plog is None or not epochs:  # nothing written under any epoch: nothing to cut
            pending.discard(tp)
            continue
        asked[tp] = epochs[-1][0]
        topics.setdefault(tp[0], []).append(
            {"partition": tp[1], "current_leader_epoch": epoch, "leader_epoch": epochs[-1][0]}
        )
    if not asked:
        return True
    body = {
        "replica_id": node.node_id,
        "topics": [{"topic": t, "partitions": ps} for t, ps in topics.items()],
    }
    assert fetcher.channel is not None
    resp = await fetcher.channel.request(offset_for_leader_epoch.API, VERSION, body, timeout_s)
    done = True
    for t in resp["topics"]:
        for p in t["partitions"]:
            tp = (t["topic"], p["partition"])
            if tp not in asked:
                continue
            if p["error_code"] != ErrorCode.NONE:
                fetcher.log.info(
                    f"Retrying leaderEpoch request for partition {tp[0]}-{tp[1]} as the leader reported "
                    f"an error: "
                    f"{ErrorCode(p['error_code']).name}"
                )
                done = False
                continue
            _truncate(fetcher, tp, asked[tp], p["leader_epoch"], p["end_offset"])
            pending.discard(tp)
    return done


def _truncate(fetcher: Fetcher, tp: tuple[str, int], asked: int, leader_epoch: int, end_offset: int) -> None:
    node = fetcher.node
    plog = node.logs.get(*tp)
    if plog is None:
        return
    leo = plog.log_end_offset
    if leader_epoch < 0:
        target = min(plog.high_watermark, leo)
    elif leader_epoch == asked:
        target = min(end_offset, leo)
    else:
        own_epoch, own_end = end_offset_for(plog.leader_epochs, leo, leader_epoch)
        target = min(end_offset, own_end if own_epoch == leader_epoch else plog.high_watermark, leo)
    fetcher.log.info(
        f"Truncating partition {tp[0]}-{tp[1]} with TruncationState(offset={target}, completed=true) due to "
        f"leader epoch and offset EpochEndOffset(errorCode=0, partition={tp[0]}-{tp[1]}, "
        f"leaderEpoch={leader_epoch}, endOffset={end_offset})"
    )
    if target < leo:
        plog.truncate_to(target)
        node.rebuild_producers(plog)
