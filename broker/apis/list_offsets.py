"""ListOffsets (key 2), v0–8. v0 is the legacy form (segment offsets, `_legacy_offsets`); v1+:
earliest (-2), latest (-1), max timestamp (-3, v7+), earliest local (-4, v8+: the log start, no
tiered storage here), or the first offset whose timestamp is at least the given one (through the
time index)."""

from __future__ import annotations

import functools
import os
import time

from ..acls import DESCRIBE, TOPIC, allowed
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.list_offsets import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..txn import fetch_view

LATEST, EARLIEST, MAX_TIMESTAMP, EARLIEST_LOCAL = -1, -2, -3, -4


def _answer(
    ctx: RequestContext, topic: str, p: dict, isolation_level: int = 0, replica: bool = False
) -> dict:
    idx, ts = p["partition_index"], p["timestamp"]
    plog = ctx.node.partition_log(topic, idx)
    if plog is None:
        return {"partition_index": idx, "error_code": ctx.node.missing_partition_error(topic, idx)}
    leader = ctx.node.replicas.leader_state(topic, idx)
    if leader is None:  # consumers ask the leader only
        return {"partition_index": idx, "error_code": ErrorCode.NOT_LEADER_OR_FOLLOWER, "offset": -1}
    out = {
        "partition_index": idx,
        "error_code": ErrorCode.NONE,
        "timestamp": -1,
        "leader_epoch": leader.epoch,
    }
    if ts == LATEST:  # what a consumer may read: up to the high watermark (read_committed: the LSO)
        out["offset"] = (
            plog.log_end_offset  # a follower asking (Kafka's KafkaApis: no isolation for a replica)
            if replica
            else fetch_view.last_stable_offset(plog)
            if isolation_level == fetch_view.READ_COMMITTED
            else plog.high_watermark
        )
    elif ts == EARLIEST:
        out["offset"] = plog.log_start_offset
    elif ts == MAX_TIMESTAMP and ctx.api_version >= 7:
        best = None  # the first batch holding the largest timestamp (batch headers only)
        for h in plog.iter_batch_headers(plog.log_start_offset):
            if best is None or h.max_timestamp > best.max_timestamp:
                best = h
        if best is not None:
            out["timestamp"], out["offset"] = best.max_timestamp, _offset_of_max(plog, best)
        else:
            out["offset"] = -1
    elif ts == EARLIEST_LOCAL and ctx.api_version >= 8:
        out["offset"] = plog.log_start_offset
    elif ts < 0:
        out.update(error_code=ErrorCode.UNSUPPORTED_VERSION, offset=-1)  # a spec this version does not know
    else:
        found = plog.offset_for_timestamp(ts)
        if found is None:
            out["offset"] = -1
        else:
            out["offset"], out["timestamp"] = found
    return out


def _offset_of_max(plog, h) -> int:
    """Offset of the first record carrying the log's largest timestamp (in batch `h`): the
    first record at or after that timestamp, found through the time index."""
    found = plog.offset_for_timestamp(h.max_timestamp)
    return found[0] if found is not None and found[1] == h.max_timestamp else h.last_offset


def _legacy_offsets(plog, ts: int, max_num: int) -> list[int]:
    """v0: Kafka's legacyFetchOffsetsBefore. Each segment's base offset with the segment's last
    modification time, plus (log end, now) when the active segment holds data; LATEST starts from
    the last entry, EARLIEST from the first, a timestamp from the last entry modified at or before
    it; then up to max_num offsets going back, highest first, capped at the high watermark for
    consumers (ReplicaManager.legacyFetchOffsetsForTimestamp)."""
    now = int(time.time() * 1000)
    entries = []
    for seg in plog.segments:
        try:
            mtime = int(os.stat(seg.log_path).st_mtime * 1000)
        except OSError:
            mtime = now
        entries.append((seg.base_offset, mtime))
    if plog.active_segment.size > 0:
        entries.append((plog.log_end_offset, now))
    if ts == LATEST:
        start = len(entries) - 1
    elif ts == EARLIEST:
        start = 0
    else:
        start = len(entries) - 1
        while start >= 0 and entries[start][1] > ts:
            start -= 1
    offsets = sorted((entries[i][0] for i in range(start, start - min(max_num, start + 1), -1)), reverse=True)
    hw = plog.high_watermark
    if any(o > hw for o in offsets):
        offsets = [hw] + [o for o in offsets if o <= hw]
    return offsets


def _answer_v0(ctx: RequestContext, topic: str, p: dict) -> dict:
    idx = p["partition_index"]
    plog = ctx.node.partition_log(topic, idx)
    if plog is None:
        return {"partition_index": idx, "error_code": ctx.node.missing_partition_error(topic, idx)}
    if ctx.node.replicas.leader_state(topic, idx) is None:
        return {"partition_index": idx, "error_code": ErrorCode.NOT_LEADER_OR_FOLLOWER}
    return {
        "partition_index": idx,
        "error_code": ErrorCode.NONE,
        "old_style_offsets": _legacy_offsets(plog, p["timestamp"], max(p["max_num_offsets"], 0)),
    }


def _authorized(answer):
    """DESCRIBE on the topic, with an authorizer (KafkaApis.handleListOffsetRequest)."""

    def checked(ctx: RequestContext, topic: str, p: dict) -> dict:
        if not allowed(ctx, DESCRIBE, TOPIC, topic):
            return {
                "partition_index": p["partition_index"],
                "error_code": ErrorCode.TOPIC_AUTHORIZATION_FAILED,
            }
        return answer(ctx, topic, p)

    return checked


async def handle(ctx: RequestContext, req: dict) -> dict:
    # read_committed (v2+): the latest offset is the last stable offset (broker/txn/)
    answer = _authorized(
        _answer_v0
        if ctx.api_version == 0
        else functools.partial(
            _answer, isolation_level=req["isolation_level"], replica=req["replica_id"] >= 0
        )
    )
    topics = [
        {"name": t["name"], "partitions": [answer(ctx, t["name"], p) for p in t["partitions"]]}
        for t in req["topics"]
    ]
    return {"throttle_time_ms": 0, "topics": topics}


API = Api(KEY, "ListOffsets", 0, 8, REQUEST, RESPONSE, handle)
