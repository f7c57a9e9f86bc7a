"""DeleteRecords (key 21), v0–2: move a partition's log start offset up (the records before it
are gone for every reader; whole segments below it are deleted), on the leader. Checks are
Kafka's (ReplicaManager.deleteRecordsOnLocalLog, Partition.deleteRecordsOnLeader): offset -1 means
the high watermark, beyond it is OFFSET_OUT_OF_RANGE, a compact-only topic is POLICY_VIOLATION,
internal topics are refused. Followers move theirs when their next fetch shows the leader's, and
report it in the fetch after: the answer waits, as Kafka's DelayedDeleteRecords does, until every
replica on a live broker has moved its log start that far (the partition's low watermark,
Partition.lowWatermarkIfLeader), or the request's timeout_ms ran out (REQUEST_TIMED_OUT with
the low watermark at the deletion)."""

from __future__ import annotations

import asyncio

from ..acls import DELETE, TOPIC, allowed
from ..log.partition_log import LogClosedError, OffsetOutOfRangeError
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.delete_records import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..topic_configs import effective
from ..topics import INTERNAL_TOPICS

HIGH_WATERMARK = -1


def _delete(ctx: RequestContext, topic: str, idx: int, offset: int) -> tuple[int, int]:
    """(error, the offset every replica's log start must reach: Kafka's requiredOffset)."""
    node = ctx.node
    if not allowed(ctx, DELETE, TOPIC, topic):  # with an authorizer
        return ErrorCode.TOPIC_AUTHORIZATION_FAILED, -1
    if topic in INTERNAL_TOPICS:
        return ErrorCode.INVALID_TOPIC_EXCEPTION, -1
    plog = node.partition_log(topic, idx)
    if plog is None:
        return node.missing_partition_error(topic, idx), -1
    if node.replicas.leader_state(topic, idx) is None:
        return ErrorCode.NOT_LEADER_OR_FOLLOWER, -1
    policy = effective("cleanup.policy", node.topic_configs.get(topic, {}), node.broker_settings())
    if "delete" not in policy:
        return ErrorCode.POLICY_VIOLATION, -1
    target = plog.high_watermark if offset == HIGH_WATERMARK else offset
    if target < 0 or target > plog.high_watermark:
        return ErrorCode.OFFSET_OUT_OF_RANGE, -1
    try:
        plog.delete_records_before(target)
        return ErrorCode.NONE, target
    except OffsetOutOfRangeError:
        return ErrorCode.OFFSET_OUT_OF_RANGE, -1
    except LogClosedError:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1
    except OSError as exc:
        node.log.error(f"Error while deleting records of {topic}-{idx}: {exc}")
        return ErrorCode.KAFKA_STORAGE_ERROR, -1


async def handle(ctx: RequestContext, req: dict) -> dict:
    replicas = ctx.node.replicas
    answers: dict[tuple[str, int], tuple[int, int]] = {}  # (topic, partition) -> (error, low watermark)
    required: dict[tuple[str, int], int] = {}
    for t in req["topics"]:
        for p in t["partitions"]:
            tp = (t["name"], p["partition_index"])
            err, offset = _delete(ctx, *tp, p["offset"])
            if err != ErrorCode.NONE:
                answers[tp] = (err, -1)
                continue
            low = replicas.low_watermark(tp)
            answers[tp] = (ErrorCode.REQUEST_TIMED_OUT, -1 if low is None else low)  # until reached
            required[tp] = offset
    waits = [replicas.wait_low_watermark(tp, offset, req["timeout_ms"]) for tp, offset in required.items()]
    for tp, (err, low) in zip(required, await asyncio.gather(*waits), strict=True):
        if err != ErrorCode.REQUEST_TIMED_OUT:
            answers[tp] = (err, low)
    topics = []
    for t in req["topics"]:
        parts = []
        for p in t["partitions"]:
            err, low = answers[(t["name"], p["partition_index"])]
            parts.append({"partition_index": p["partition_index"], "low_watermark": low, "error_code": err})
        topics.append({"name": t["name"], "partitions": parts})
    return {"throttle_time_ms": 0, "topics": topics}


API = Api(KEY, "DeleteRecords", 0, 2, REQUEST, RESPONSE, handle)
