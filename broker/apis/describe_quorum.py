"""DescribeQuorum (key 55), v0–1: the leader's view of the KRaft quorum (voters and observers with
their log end offsets and fetch times), what kafka-metadata-quorum.sh prints (KIP-595, KIP-836).
Controller listeners only."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.describe_quorum import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    raft = getattr(ctx.node, "raft", None)
    if raft is None:
        return {"error_code": ErrorCode.UNSUPPORTED_VERSION, "topics": []}
    return raft.handle_describe_quorum(req)


API = Api(KEY, "DescribeQuorum", 0, 1, REQUEST, RESPONSE, handle, controller_only=True)
