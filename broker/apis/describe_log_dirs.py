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
from ..protocol.messages.describe_log_dirs import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


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
