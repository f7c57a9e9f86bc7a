"""EndTxn (key 26), v0–3: commit or abort the producer's transaction (broker/txn/coordinator.py)."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.end_txn import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..txn.coordinator import coordinator_of


async def handle(ctx: RequestContext, req: dict) -> dict:
    err = await coordinator_of(ctx.node).end_txn(
        req["transactional_id"], req["producer_id"], req["producer_epoch"], req["committed"]
    )
    if ctx.api_version < 2 and err == ErrorCode.PRODUCER_FENCED:
        err = ErrorCode.INVALID_PRODUCER_EPOCH
    return {"throttle_time_ms": 0, "error_code": err}


API = Api(KEY, "EndTxn", 0, 3, REQUEST, RESPONSE, handle)
