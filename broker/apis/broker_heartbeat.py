"""BrokerHeartbeat (key 63), v0–1: keeps a registered broker's session alive; a broker that stops
sending them is fenced after broker.session.timeout.ms. Served on controller listeners only."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, INT16, INT32, INT64, UUID, Array, F, Message, Struct
from ..raft.quorum_controller import active_controller
from ..request_context import RequestContext

KEY = 63

REQUEST = Message(
    Struct(
        F("broker_id", INT32),
        F("broker_epoch", INT64),
        F("current_metadata_offset", INT64),
        F("want_fence", BOOL),
        F("want_shut_down", BOOL),
        F("offline_log_dirs", Array(UUID), 1, tag=0),
    ),
    first_flexible=0,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16),
        F("is_caught_up", BOOL),
        F("is_fenced", BOOL, default=True),
        F("should_shut_down", BOOL),
    ),
    first_flexible=0,
)


async def handle(ctx: RequestContext, req: dict) -> dict:
    controller = active_controller(ctx.node)
    if controller is None:
        return {"throttle_time_ms": 0, "error_code": ErrorCode.NOT_CONTROLLER}
    err, fenced = controller.heartbeat(
        req["broker_id"],
        req["broker_epoch"],
        req["want_shut_down"],
        want_fence=req["want_fence"],
        metadata_offset=req["current_metadata_offset"],
    )
    return {
        "throttle_time_ms": 0,
        "error_code": err,
        "is_caught_up": err == ErrorCode.NONE and not fenced,
        "is_fenced": fenced,
        "should_shut_down": req["want_shut_down"] and err == ErrorCode.NONE,
    }


API = Api(KEY, "BrokerHeartbeat", 0, 1, REQUEST, RESPONSE, handle, controller_only=True)
