"""LeaderAndIsr (key 4), v0-6: the ZooKeeper-mode controller tells a broker which partitions it
leads or follows (leader, leader epoch, ISR, replicas, the state znode's version). Kafka's message
definition LeaderAndIsrRequest.json; served to ZooKeeper-mode brokers (broker/zk/broker.py)."""

from __future__ import annotations

from ..protocol.dispatch import Api, RequestContext
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, INT8, INT16, INT32, INT64, STRING, UUID, Array, F, Message, Struct

KEY = 4

PARTITION_STATE = Struct(
    F("topic_name", STRING, 0, 1),
    F("partition_index", INT32),
    F("controller_epoch", INT32),
    F("leader", INT32),
    F("leader_epoch", INT32),
    F("isr", Array(INT32)),
    F("zk_version", INT32),
    F("replicas", Array(INT32)),
    F("adding_replicas", Array(INT32), 3),
    F("removing_replicas", Array(INT32), 3),
    F("is_new", BOOL, 1),
    F("leader_recovery_state", INT8, 6),
)

REQUEST = Message(
    Struct(
        F("controller_id", INT32),
        F("controller_epoch", INT32),
        F("broker_epoch", INT64, 2, default=-1),
        F("type", INT8, 5),
        F("ungrouped_partition_states", Array(PARTITION_STATE), 0, 1),
        F(
            "topic_states",
            Array(
                Struct(
                    F("topic_name", STRING, 2),
                    F("topic_id", UUID, 5),
                    F("partition_states", Array(PARTITION_STATE), 2),
                )
            ),
            2,
        ),
        F("live_leaders", Array(Struct(F("broker_id", INT32), F("host_name", STRING), F("port", INT32)))),
    ),
    first_flexible=4,
)

PARTITION_ERROR = Struct(F("topic_name", STRING, 0, 4), F("partition_index", INT32), F("error_code", INT16))

RESPONSE = Message(
    Struct(
        F("error_code", INT16),
        F("partition_errors", Array(PARTITION_ERROR), 0, 4),
        F(
            "topics",
            Array(Struct(F("topic_id", UUID, 5), F("partition_errors", Array(PARTITION_ERROR), 5))),
            5,
        ),
    ),
    first_flexible=4,
)


def partition_states(req: dict, version: int) -> list[tuple[str, dict]]:
    """(topic, state) pairs whatever the version's layout."""
    if version < 2:
        return [(s["topic_name"], s) for s in req["ungrouped_partition_states"]]
    return [(t["topic_name"], s) for t in req["topic_states"] for s in t["partition_states"]]


async def handle(ctx: RequestContext, req: dict) -> dict:
    zk = getattr(ctx.node, "zk", None)
    if zk is None:  # a KRaft or single node: no ZooKeeper controller may steer it
        return {"error_code": ErrorCode.STALE_CONTROLLER_EPOCH}
    return await zk.on_leader_and_isr(req, ctx.api_version)


API = Api(KEY, "LeaderAndIsr", 0, 6, REQUEST, RESPONSE, handle)
