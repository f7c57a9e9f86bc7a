"""InitProducerId (key 22), v0–4: producer ids for idempotent producers; a re-initialising
producer (v3+, KIP-360) keeps its id and gets the next epoch. With a transactional.id the
transaction coordinator answers (broker/txn/coordinator.py)."""

from __future__ import annotations

from ..acls import may_write_some_topic
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.init_producer_id import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..txn.coordinator import coordinator_of


async def handle(ctx: RequestContext, req: dict) -> dict:
    if req["transactional_id"] is not None:
        err, pid, epoch = await coordinator_of(ctx.node).init_producer_id(
            req["transactional_id"], req["transaction_timeout_ms"], req["producer_id"], req["producer_epoch"]
        )
        if ctx.api_version < 4 and err == ErrorCode.PRODUCER_FENCED:  # Kafka: v4 introduced it here
            err = ErrorCode.INVALID_PRODUCER_EPOCH
        return {"throttle_time_ms": 0, "error_code": err, "producer_id": pid, "producer_epoch": epoch}
    if not may_write_some_topic(ctx):  # with an authorizer: IDEMPOTENT_WRITE or WRITE on a topic
        return {
            "throttle_time_ms": 0,
            "error_code": ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
            "producer_id": -1,
            "producer_epoch": -1,
        }
    pid, epoch = req["producer_id"], req["producer_epoch"]
    if pid >= 0 and epoch >= 0 and epoch < 32767:
        ctx.node.producer_ids.seen(pid)
        return {
            "throttle_time_ms": 0,
            "error_code": ErrorCode.NONE,
            "producer_id": pid,
            "producer_epoch": epoch + 1,
        }
    return {
        "throttle_time_ms": 0,
        "error_code": ErrorCode.NONE,
        "producer_id": ctx.node.producer_ids.allocate(),
        "producer_epoch": 0,
    }


API = Api(KEY, "InitProducerId", 0, 4, REQUEST, RESPONSE, handle)
