"""Fetch (key 1), v4–12: serves stored batches as they are, long-polls for MaxWaitMs until
MinBytes are available (woken by appends). No fetch sessions: every answer is a full one with
session id 0, which clients treat as "no session" (KIP-227)."""

from __future__ import annotations

import time

from ..log.partition_log import LogClosedError, OffsetOutOfRangeError
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.fetch import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext

FETCH_SESSION_ID_NOT_FOUND = 70


def _collect(ctx: RequestContext, req: dict) -> tuple[list[dict], int, bool]:
    """One pass over the requested partitions: (responses, bytes, any_error). A follower
    (replica_id >= 0) reads up to the log end and reports its fetch offset to the leader; a
    consumer reads up to the high watermark, from the leader only."""
    node = ctx.node
    replica = req["replica_id"]
    budget = req["max_bytes"] if req["max_bytes"] > 0 else 0x7FFFFFFF
    total, any_error, out = 0, False, []
    for t in req["topics"]:
        parts = []
        for p in t["partitions"]:
            idx = p["partition"]
            plog = node.partition_log(t["topic"], idx)
            if plog is None:
                any_error = True
                parts.append(
                    {
                        "partition_index": idx,
                        "error_code": node.missing_partition_error(t["topic"], idx),
                        "high_watermark": -1,
                        "records": None,
                    }
                )
                continue
            if replica >= 0:
                err = node.replicas.follower_fetched(
                    (t["topic"], idx), replica, p["fetch_offset"], p["current_leader_epoch"]
                )
            else:
                err = (
                    ErrorCode.NONE
                    if node.replicas.leader_state(t["topic"], idx)
                    else ErrorCode.NOT_LEADER_OR_FOLLOWER
                )
            if err != ErrorCode.NONE:
                any_error = True
                parts.append(
                    {"partition_index": idx, "error_code": err, "high_watermark": -1, "records": None}
                )
                continue
            hw = plog.high_watermark
            upto = plog.log_end_offset if replica >= 0 else hw
            entry = {
                "partition_index": idx,
                "error_code": ErrorCode.NONE,
                "high_watermark": hw,
                "last_stable_offset": hw,
                "log_start_offset": plog.log_start_offset,
                "aborted_transactions": None,
                "records": b"",
            }
            limit = min(p["partition_max_bytes"], budget - total)
            if limit > 0 or total == 0:
                try:
                    data = plog.read(p["fetch_offset"], max(limit, 0), max_offset=upto, min_one=(total == 0))
                except OffsetOutOfRangeError:
                    any_error = True
                    entry.update(error_code=ErrorCode.OFFSET_OUT_OF_RANGE, records=None)
                    data = b""
                except LogClosedError:  # deleted while this fetch waited
                    any_error = True
                    entry.update(error_code=ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, records=None)
                    data = b""
                except OSError as exc:
                    node.log.error(f"Error while reading {t['topic']}-{idx}: {exc}")
                    any_error = True
                    entry.update(error_code=ErrorCode.KAFKA_STORAGE_ERROR, records=None)
                    data = b""
                if data:
                    entry["records"] = data
                    total += len(data)
            parts.append(entry)
        out.append({"topic": t["topic"], "partitions": parts})
    return out, total, any_error


async def handle(ctx: RequestContext, req: dict) -> dict:
    if req["session_id"] != 0 or req["session_epoch"] > 0:
        # We never hand out sessions, so an incremental fetch names one we do not know.
        return {"error_code": FETCH_SESSION_ID_NOT_FOUND, "session_id": 0, "responses": []}
    deadline = time.monotonic() + max(req["max_wait_ms"], 0) / 1000
    min_bytes = max(req["min_bytes"], 0)
    while True:
        responses, total, any_error = _collect(ctx, req)
        left = deadline - time.monotonic()
        if total >= min_bytes or any_error or left <= 0 or not req["topics"]:
            return {
                "throttle_time_ms": 0,
                "error_code": ErrorCode.NONE,
                "session_id": 0,
                "responses": responses,
            }
        await ctx.node.wait_for_append(left)


API = Api(KEY, "Fetch", 4, 12, REQUEST, RESPONSE, handle)
