"""AlterReplicaLogDirs (key 34), v0–2: put partitions of this broker into a given log dir. As
Kafka's ReplicaManager.alterReplicaLogDirs, per partition: a dir not in `log.dirs` is
LOG_DIR_NOT_FOUND ("Log dir X is not found in the config.", LogManager.isLogDirOnline), a
partition this broker holds no replica of is REPLICA_NOT_AVAILABLE, one already in that dir is a
no-op answered NONE. Kafka then moves a replica between dirs in the background (a future log
filled by ReplicaAlterLogDirsThread); netlab does not model that move: such a partition is
refused with INVALID_REQUEST and a broker log line saying so (docs/compat.md). Without ALTER on
the cluster (with an authorizer) every partition is CLUSTER_AUTHORIZATION_FAILED (KafkaApis)."""

from __future__ import annotations

from pathlib import Path

from ..acls import ALTER, CLUSTER, CLUSTER_NAME, allowed
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT16, INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 34

REQUEST = Message(
    Struct(
        F(
            "dirs",
            Array(
                Struct(
                    F("path", STRING),
                    F("topics", Array(Struct(F("name", STRING), F("partitions", Array(INT32))))),
                )
            ),
        ),
    ),
    first_flexible=2,
)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "results",
            Array(
                Struct(
                    F("topic_name", STRING),
                    F("partitions", Array(Struct(F("partition_index", INT32), F("error_code", INT16)))),
                )
            ),
        ),
    ),
    first_flexible=2,
)


def _error(ctx: RequestContext, topic: str, partition: int, dest: str) -> int:
    logs = ctx.node.logs
    configured = {d.resolve() for d in logs.log_dirs}
    target = Path(dest).resolve() if dest else None
    if target not in configured:
        ctx.node.log.warn(f"Unable to alter log dirs for {topic}-{partition}: Log dir {dest} is not found in the config")
        return ErrorCode.LOG_DIR_NOT_FOUND
    plog = logs.get(topic, partition)
    if plog is None:
        return ErrorCode.REPLICA_NOT_AVAILABLE
    if plog.dir.parent.resolve() == target:
        return ErrorCode.NONE
    ctx.node.log.warn(
        f"Unable to alter log dirs for {topic}-{partition}: netlab's broker does not move a replica"
        f" between log directories ({plog.dir.parent} to {dest})"
    )
    return ErrorCode.INVALID_REQUEST


async def handle(ctx: RequestContext, req: dict) -> dict:
    may = allowed(ctx, ALTER, CLUSTER, CLUSTER_NAME)
    by_topic: dict[str, dict[int, int]] = {}
    for d in req["dirs"]:
        for t in d["topics"]:
            for p in t["partitions"]:
                err = _error(ctx, t["name"], p, d["path"]) if may else ErrorCode.CLUSTER_AUTHORIZATION_FAILED
                by_topic.setdefault(t["name"], {})[p] = err
    results = [
        {
            "topic_name": name,
            "partitions": [{"partition_index": p, "error_code": e} for p, e in sorted(parts.items())],
        }
        for name, parts in by_topic.items()
    ]
    return {"throttle_time_ms": 0, "results": results}


API = Api(KEY, "AlterReplicaLogDirs", 0, 2, REQUEST, RESPONSE, handle)
