"""Fetch (key 1), v4–12: serves stored batches as they are, long-polls for MaxWaitMs until
MinBytes are available (woken by appends). No fetch sessions: every answer is a full one with
session id 0, which clients treat as "no session" (KIP-227)."""

from __future__ import annotations

import time

from ..log.partition_log import LogClosedError, OffsetOutOfRangeError
from ..protocol.dispatch import Api, RequestContext
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT8, INT16, INT32, INT64, RECORDS, STRING, Array, F, Message, Struct
from ..raft import fetch_handler as raft_fetch

KEY = 1
FETCH_SESSION_ID_NOT_FOUND = 70

REQUEST = Message(
    Struct(
        F("cluster_id", STRING, 12, null=12, tag=0),
        F("replica_id", INT32, default=-1),
        F("max_wait_ms", INT32),
        F("min_bytes", INT32),
        F("max_bytes", INT32, 3, default=0x7FFFFFFF),
        F("isolation_level", INT8, 4),
        F("session_id", INT32, 7),
        F("session_epoch", INT32, 7, default=-1),
        F(
            "topics",
            Array(
                Struct(
                    F("topic", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition", INT32),
                                F("current_leader_epoch", INT32, 9, default=-1),
                                F("fetch_offset", INT64),
                                F("last_fetched_epoch", INT32, 12, default=-1),
                                F("log_start_offset", INT64, 5, default=-1),
                                F("partition_max_bytes", INT32),
                            )
                        ),
                    ),
                )
            ),
        ),
        F("forgotten_topics_data", Array(Struct(F("topic", STRING, 7), F("partitions", Array(INT32), 7))), 7),
        F("rack_id", STRING, 11),
    ),
    first_flexible=12,
)

_EPOCH_END = Struct(F("epoch", INT32, default=-1), F("end_offset", INT64, default=-1))
_LEADER = Struct(F("leader_id", INT32, default=-1), F("leader_epoch", INT32, default=-1))
_ABORTED = Struct(F("producer_id", INT64, 4), F("first_offset", INT64, 4))
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F("error_code", INT16, 7),
        F("session_id", INT32, 7),
        F(
            "responses",
            Array(
                Struct(
                    F("topic", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition_index", INT32),
                                F("error_code", INT16),
                                F("high_watermark", INT64),
                                F("last_stable_offset", INT64, 4, default=-1),
                                F("log_start_offset", INT64, 5, default=-1),
                                F("aborted_transactions", Array(_ABORTED), 4, null=4),
                                F("preferred_read_replica", INT32, 11, default=-1),
                                F("records", RECORDS, null=0),
                                # KRaft's fields (KIP-595), tagged in v12+
                                F("diverging_epoch", _EPOCH_END, 12, tag=0),
                                F("current_leader", _LEADER, 12, tag=1),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=12,
)


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
    if ctx.controller_listener:  # KRaft: voters and observers fetch __cluster_metadata-0
        return await raft_fetch.handle(ctx, req)
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


API = Api(KEY, "Fetch", 4, 12, REQUEST, RESPONSE, handle, on_controller_listener=True)
