"""DescribeQuorum (key 55), v0–1: the leader's view of the KRaft quorum (voters and observers with
their log end offsets and fetch times), what kafka-metadata-quorum.sh prints (KIP-595, KIP-836).
Controller listeners only."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT16, INT32, INT64, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 55

REQUEST = Message(
    Struct(
        F(
            "topics",
            Array(
                Struct(F("topic_name", STRING), F("partitions", Array(Struct(F("partition_index", INT32)))))
            ),
        )
    ),
    first_flexible=0,
)

_REPLICA = Struct(
    F("replica_id", INT32),
    F("log_end_offset", INT64),
    F("last_fetch_timestamp", INT64, 1, default=-1),
    F("last_caught_up_timestamp", INT64, 1, default=-1),
)

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
                                F("high_watermark", INT64),
                                F("current_voters", Array(_REPLICA)),
                                F("observers", Array(_REPLICA)),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=0,
)


async def handle(ctx: RequestContext, req: dict) -> dict:
    raft = getattr(ctx.node, "raft", None)
    if raft is None:
        return {"error_code": ErrorCode.UNSUPPORTED_VERSION, "topics": []}
    return raft.handle_describe_quorum(req)


API = Api(KEY, "DescribeQuorum", 0, 1, REQUEST, RESPONSE, handle, controller_only=True)
