"""InitProducerId (key 22), v0–4: producer ids for idempotent (non-transactional) producers.
A re-initialising producer (v3+, KIP-360) keeps its id and gets the next epoch."""

from __future__ import annotations

from ..acls import may_write_some_topic
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT16, INT32, INT64, STRING, F, Message, Struct
from ..request_context import RequestContext

KEY = 22

REQUEST = Message(
    Struct(
        F("transactional_id", STRING, null=0),
        F("transaction_timeout_ms", INT32),
        F("producer_id", INT64, 3, default=-1),
        F("producer_epoch", INT16, 3, default=-1),
    ),
    first_flexible=2,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16),
        F("producer_id", INT64, default=-1),
        F("producer_epoch", INT16),
    ),
    first_flexible=2,
)


async def handle(ctx: RequestContext, req: dict) -> dict:
    if req["transactional_id"] is not None:
        ctx.node.log.warning(
            f"InitProducerId with transactional.id={req['transactional_id']!r} from "
            f"{ctx.client_id}: transactions are not supported by this broker"
        )
        return {
            "throttle_time_ms": 0,
            "error_code": ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
            "producer_id": -1,
            "producer_epoch": -1,
        }
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
