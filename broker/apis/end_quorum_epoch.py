"""EndQuorumEpoch (key 54), v0: a KRaft leader that shuts down hands over, naming its preferred
successors by how far their logs are (KIP-595). Controller listeners only."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext
from .begin_quorum_epoch import RESPONSE

KEY = 54

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
                                F("leader_id", INT32),
                                F("leader_epoch", INT32),
                                F("preferred_successors", Array(INT32)),
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
    return raft.handle_end_epoch(req)


API = Api(KEY, "EndQuorumEpoch", 0, 0, REQUEST, RESPONSE, handle, controller_only=True)
