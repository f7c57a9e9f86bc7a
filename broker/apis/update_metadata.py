"""UpdateMetadata (key 6), v0-7: the ZooKeeper-mode controller sends every broker the live brokers
(with each listener's advertised endpoint) and every partition's leader and ISR: what the
broker's Metadata answers come from. Kafka's UpdateMetadataRequest.json; broker/zk/broker.py."""

from __future__ import annotations

from ..protocol.dispatch import Api, RequestContext
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT16, INT32, INT64, STRING, UUID, Array, F, Message, Struct

KEY = 6

PARTITION_STATE = Struct(
    F("topic_name", STRING, 0, 4),
    F("partition_index", INT32),
    F("controller_epoch", INT32),
    F("leader", INT32),
    F("leader_epoch", INT32),
    F("isr", Array(INT32)),
    F("zk_version", INT32),
    F("replicas", Array(INT32)),
    F("offline_replicas", Array(INT32), 4),
)

REQUEST = Message(
    Struct(
        F("controller_id", INT32),
        F("controller_epoch", INT32),
        F("broker_epoch", INT64, 5, default=-1),
        F("ungrouped_partition_states", Array(PARTITION_STATE), 0, 4),
        F(
            "topic_states",
            Array(
                Struct(
                    F("topic_name", STRING, 5),
                    F("topic_id", UUID, 7),
                    F("partition_states", Array(PARTITION_STATE), 5),
                )
            ),
            5,
        ),
        F(
            "live_brokers",
            Array(
                Struct(
                    F("id", INT32),
                    F("v0_host", STRING, 0, 0),
                    F("v0_port", INT32, 0, 0),
                    F(
                        "endpoints",
                        Array(
                            Struct(
                                F("port", INT32),
                                F("host", STRING),
                                F("listener", STRING, 3),
                                F("security_protocol", INT16),
                            )
                        ),
                        1,
                    ),
                    F("rack", STRING, 2, null=0),
                )
            ),
        ),
    ),
    first_flexible=6,
)

RESPONSE = Message(Struct(F("error_code", INT16)), first_flexible=6)


def partition_states(req: dict, version: int) -> list[tuple[str, dict]]:
    if version < 5:
        return [(s["topic_name"], s) for s in req["ungrouped_partition_states"]]
    return [(t["topic_name"], s) for t in req["topic_states"] for s in t["partition_states"]]


async def handle(ctx: RequestContext, req: dict) -> dict:
    zk = getattr(ctx.node, "zk", None)
    if zk is None:
        return {"error_code": ErrorCode.STALE_CONTROLLER_EPOCH}
    return {"error_code": zk.on_update_metadata(req, ctx.api_version, ctx.correlation_id)}


API = Api(KEY, "UpdateMetadata", 0, 7, REQUEST, RESPONSE, handle)
