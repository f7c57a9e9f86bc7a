"""DescribeLogDirs (key 35), v0–4: each log dir of this broker with the partitions it holds
(filtered by the request; null = all), their size in bytes and offset lag, and (v4+) the dir's
total and usable bytes. As Kafka's ReplicaManager.describeLogDirs: the lag is how far the high
watermark is ahead of the local log end (0 on a leader), no future (moving) logs here."""

from __future__ import annotations

import os
from pathlib import Path

from ..acls import CLUSTER, CLUSTER_NAME, DESCRIBE, allowed
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, INT16, INT32, INT64, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 35

REQUEST = Message(
    Struct(
        F("topics", Array(Struct(F("topic", STRING), F("partitions", Array(INT32)))), null=0),
    ),
    first_flexible=2,
)
_PARTITION = Struct(
    F("partition_index", INT32),
    F("partition_size", INT64),
    F("offset_lag", INT64),
    F("is_future_key", BOOL),
)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16, 3),
        F(
            "results",
            Array(
                Struct(
                    F("error_code", INT16),
                    F("log_dir", STRING),
                    F("topics", Array(Struct(F("name", STRING), F("partitions", Array(_PARTITION))))),
                    F("total_bytes", INT64, 4, default=-1),
                    F("usable_bytes", INT64, 4, default=-1),
                )
            ),
        ),
    ),
    first_flexible=2,
)


def _space(d: Path) -> tuple[int, int]:
    st = os.statvfs(d)
    return st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, DESCRIBE, CLUSTER, CLUSTER_NAME):  # with an authorizer
        return {"throttle_time_ms": 0, "error_code": ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "results": []}
    logs = ctx.node.logs
    wanted = None
    if req["topics"] is not None:
        wanted = {(t["topic"], p) for t in req["topics"] for p in t["partitions"]}
    results = []
    for d in logs.log_dirs:
        by_topic: dict[str, list[dict]] = {}
        for plog in logs.partitions():
            tp = (plog.topic, plog.partition)
            if plog.dir.parent != d or (wanted is not None and tp not in wanted):
                continue
            by_topic.setdefault(plog.topic, []).append(
                {
                    "partition_index": plog.partition,
                    "partition_size": plog.size_in_bytes,
                    "offset_lag": max(plog.high_watermark - plog.log_end_offset, 0),
                    "is_future_key": False,
                }
            )
        entry: dict = {
            "error_code": ErrorCode.NONE,
            "log_dir": str(d),
            "topics": [
                {"name": n, "partitions": sorted(ps, key=lambda p: p["partition_index"])}
                for n, ps in sorted(by_topic.items())
            ],
        }
        try:
            entry["total_bytes"], entry["usable_bytes"] = _space(d)
        except OSError as exc:  # Kafka marks an unreadable dir KAFKA_STORAGE_ERROR
            entry.update(error_code=ErrorCode.KAFKA_STORAGE_ERROR, topics=[])
            ctx.node.log.error(f"Error while describing log dir {d}: {exc}")
        results.append(entry)
    return {"throttle_time_ms": 0, "error_code": ErrorCode.NONE, "results": results}


API = Api(KEY, "DescribeLogDirs", 0, 4, REQUEST, RESPONSE, handle)
