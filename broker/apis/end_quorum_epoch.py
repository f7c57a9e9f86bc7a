"""EndQuorumEpoch (key 54), v0: a KRaft leader that shuts down hands over, naming its preferred
successors by how far their logs are (KIP-595). Controller listeners only."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.end_quorum_epoch import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    raft = getattr(ctx.node, "raft", None)
    if raft is None:
        return {"error_code": ErrorCode.UNSUPPORTED_VERSION, "topics": []}
    return raft.handle_end_epoch(req)


API = Api(KEY, "EndQuorumEpoch", 0, 0, REQUEST, RESPONSE, handle, controller_only=True)
