"""Vote (key 52), v0: a KRaft candidate asks a voter for its vote in a new epoch (KIP-595).
Served on controller listeners only; the answer comes from broker/raft/client.py."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, INT16, INT32, INT64, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 52

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
                                F("partition_index", INT32),
                                F("candidate_epoch", INT32),
                                F("candidate_id", INT32),
                                F("last_offset_epoch", INT32),
                                F("last_offset", INT64),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=0,
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
                                F("vote_granted", BOOL),
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
    return raft.handle_vote(req)


API = Api(KEY, "Vote", 0, 0, REQUEST, RESPONSE, handle, controller_only=True)
