"""Vote (key 52), v0: a KRaft candidate asks a voter for its vote in a new epoch (KIP-595).
Served on controller listeners only; the answer comes from broker/raft/client.py."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.vote import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    raft = getattr(ctx.node, "raft", None)
    if raft is None:
        return {"error_code": ErrorCode.UNSUPPORTED_VERSION, "topics": []}
    return raft.handle_vote(req)


API = Api(KEY, "Vote", 0, 0, REQUEST, RESPONSE, handle, controller_only=True)
