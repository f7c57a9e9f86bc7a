"""BeginQuorumEpoch (key 53), v0: a newly elected KRaft leader tells the voters about its epoch
(KIP-595). Served on controller listeners only; answered by broker/raft/client.py."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.begin_quorum_epoch import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    raft = getattr(ctx.node, "raft", None)
    if raft is None:
        return {"error_code": ErrorCode.UNSUPPORTED_VERSION, "topics": []}
    return raft.handle_begin_epoch(req)


API = Api(KEY, "BeginQuorumEpoch", 0, 0, REQUEST, RESPONSE, handle, controller_only=True)
