"""BeginQuorumEpoch (key 53), v0: a newly elected KRaft leader tells the voters about its epoch
(KIP-595). Served on controller listeners only; answered by broker/raft/client.py."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT16, INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 53

REQUEST = Message(
    Struct(
        F("cluster_id", STRING, null=0),
        F(
            "topics",
            Array(
                Struct(
                    F("topic_name", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition_index", INT32), F("leader_id", INT32), F("leader_epoch", INT32)
                            )
                        ),
                    ),
                )
            ),
        ),
    )
)

# The answer of BeginQuorumEpoch and EndQuorumEpoch (the same fields in Kafka's schemas).
RESPONSE = Message(
    Struct(
        F("error_code", INT16),
        F(
            "topics",
            Array(
                Struct(
                    F("topic_name", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition_index", INT32),
                                F("error_code", INT16),
                                F("leader_id", INT32),
                                F("leader_epoch", INT32),
                            )
                        ),
                    ),
                )
            ),
        ),
    )
)


async def handle(ctx: RequestContext, req: dict) -> dict:
    raft = getattr(ctx.node, "raft", None)
    if raft is None:
        return {"error_code": ErrorCode.UNSUPPORTED_VERSION, "topics": []}
    return raft.handle_begin_epoch(req)


API = Api(KEY, "BeginQuorumEpoch", 0, 0, REQUEST, RESPONSE, handle, controller_only=True)
