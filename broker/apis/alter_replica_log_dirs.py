"""AlterReplicaLogDirs (key 34), v0-2: move replicas between this broker's log dirs (`log.dirs`
lists several), as Kafka's ReplicaManager.alterReplicaLogDirs decides per partition:

- ALTER on the cluster (with an authorizer), else CLUSTER_AUTHORIZATION_FAILED for all;
- a topic whose future dir name (`<topic>-<p>.<32 hex>-future`) is over 255 characters:
  INVALID_TOPIC_EXCEPTION ("The topic name is too long.", KAFKA-4893);
- a path that is not one of `log.dirs` (absolute): LOG_DIR_NOT_FOUND;
- a partition this broker has no replica of: REPLICA_NOT_AVAILABLE, and the dir is remembered
  for when it gets one (LogManager.maybeUpdatePreferredLogDir);
- else the log moves (PartitionLog.move_to) and DescribeLogDirs lists it under the new dir.

Kafka answers at once and copies in a ReplicaAlterLogDirsThread (DescribeLogDirs shows the
future replica meanwhile); here the move is done, off the event loop, before the answer. As in
Kafka the partition serves appends and reads while its log is copied; they wait only for the
catch-up and the swap (broker/log/dir_move.py).
"""

from __future__ import annotations

import asyncio

from ..acls import ALTER, CLUSTER, CLUSTER_NAME, allowed
from ..log.partition_log import LogClosedError
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.alter_replica_log_dirs import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext

_FUTURE_NAME_EXTRA = len(".") + 32 + len("-future")  # Kafka's UnifiedLog.logFutureDirName


async def _move_one(ctx: RequestContext, topic: str, partition: int, path: str) -> ErrorCode:
    logs = ctx.node.logs
    if len(f"{topic}-{partition}") + _FUTURE_NAME_EXTRA > 255:
        return ErrorCode.INVALID_TOPIC_EXCEPTION
    dest = logs.log_dir_named(path)
    if dest is None:
        ctx.node.log.warning(
            f"Unable to alter log dirs for {topic}-{partition}: Log dir {path} is not found in the config."
        )
        return ErrorCode.LOG_DIR_NOT_FOUND
    try:
        moved = await asyncio.to_thread(logs.move_partition, topic, partition, dest)
    except LogClosedError:  # deleted while it was being copied: no replica here any more
        return ErrorCode.REPLICA_NOT_AVAILABLE
    except OSError as exc:
        ctx.node.log.error(f"Error while changing replica dir for partition {topic}-{partition}: {exc}")
        return ErrorCode.KAFKA_STORAGE_ERROR
    return ErrorCode.NONE if moved else ErrorCode.REPLICA_NOT_AVAILABLE


async def handle(ctx: RequestContext, req: dict) -> dict:
    wanted = [(t["name"], p, d["path"]) for d in req["dirs"] for t in d["topics"] for p in t["partitions"]]
    by_topic: dict[str, list[dict]] = {}
    may = allowed(ctx, ALTER, CLUSTER, CLUSTER_NAME)
    for topic, partition, path in wanted:
        err = await _move_one(ctx, topic, partition, path) if may else ErrorCode.CLUSTER_AUTHORIZATION_FAILED
        by_topic.setdefault(topic, []).append({"partition_index": partition, "error_code": err})
    return {
        "throttle_time_ms": 0,
        "results": [{"topic_name": t, "partitions": ps} for t, ps in by_topic.items()],
    }


API = Api(KEY, "AlterReplicaLogDirs", 0, 2, REQUEST, RESPONSE, handle)
