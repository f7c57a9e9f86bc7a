"""BrokerRegistration (key 62), v0–3: a broker registers with the controller over the controller
listener and gets its broker epoch. Served on controller listeners only."""

from __future__ import annotations

from ..cluster.metadata import BrokerEndpoint
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.broker_registration import KEY, REQUEST, RESPONSE
from ..raft.quorum_controller import active_controller
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    controller = active_controller(ctx.node)
    if controller is None:
        return {"throttle_time_ms": 0, "error_code": ErrorCode.NOT_CONTROLLER}
    endpoints = {e["name"]: BrokerEndpoint(e["host"], e["port"]) for e in req["listeners"]}
    err, epoch = controller.register(
        req["broker_id"], req["cluster_id"], req["incarnation_id"], endpoints, req["rack"]
    )
    return {"throttle_time_ms": 0, "error_code": err, "broker_epoch": epoch}


API = Api(KEY, "BrokerRegistration", 0, 3, REQUEST, RESPONSE, handle, controller_only=True)
