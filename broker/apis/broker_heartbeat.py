"""BrokerHeartbeat (key 63), v0–1: keeps a registered broker's session alive; a broker that stops
sending them is fenced after broker.session.timeout.ms. Served on controller listeners only."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.broker_heartbeat import KEY, REQUEST, RESPONSE
from ..raft.quorum_controller import active_controller
from ..request_context import RequestContext


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
