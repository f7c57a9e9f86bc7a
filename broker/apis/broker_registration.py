"""BrokerRegistration (key 62), v0–3: a broker registers with the controller over the controller
listener and gets its broker epoch. Served on controller listeners only."""

from __future__ import annotations

from ..cluster.metadata import BrokerEndpoint
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, INT16, INT32, INT64, STRING, UINT16, UUID, Array, F, Message, Struct
from ..raft.quorum_controller import active_controller
from ..request_context import RequestContext

KEY = 62

REQUEST = Message(
    Struct(
        F("broker_id", INT32),
        F("cluster_id", STRING),
        F("incarnation_id", UUID),
        F(
            "listeners",
            Array(
                Struct(F("name", STRING), F("host", STRING), F("port", UINT16), F("security_protocol", INT16))
            ),
        ),
        F(
            "features",
            Array(
                Struct(
                    F("name", STRING), F("min_supported_version", INT16), F("max_supported_version", INT16)
                )
            ),
        ),
        F("rack", STRING, null=0),
        F("is_migrating_zk_broker", BOOL, 1),
        F("log_dirs", Array(UUID), 2),
        F("previous_broker_epoch", INT64, 3, default=-1),
    ),
    first_flexible=0,
)

RESPONSE = Message(
    Struct(F("throttle_time_ms", INT32), F("error_code", INT16), F("broker_epoch", INT64, default=-1)),
    first_flexible=0,
)


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
