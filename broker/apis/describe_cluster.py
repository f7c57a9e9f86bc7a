"""DescribeCluster (key 60), v0–1: the cluster as seen from the request's listener (brokers with
their advertised endpoint for that listener), like Metadata without topics. Endpoint type 2
(controllers, v1) is refused: the controller answers only on its own listener in Kafka."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, INT8, INT16, INT32, STRING, Array, F, Message, Struct
from ..raft.describe_controllers import controllers_answer
from ..request_context import RequestContext

KEY = 60
BROKERS, CONTROLLERS = 1, 2
NO_AUTHORIZED_OPS = -2147483648

REQUEST = Message(
    Struct(
        F("include_cluster_authorized_operations", BOOL),
        F("endpoint_type", INT8, 1, default=BROKERS),
    ),
    first_flexible=0,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16),
        F("error_message", STRING, null=0),
        F("endpoint_type", INT8, 1, default=BROKERS),
        F("cluster_id", STRING),
        F("controller_id", INT32, default=-1),
        F(
            "brokers",
            Array(
                Struct(F("broker_id", INT32), F("host", STRING), F("port", INT32), F("rack", STRING, null=0))
            ),
        ),
        F("cluster_authorized_operations", INT32, default=NO_AUTHORIZED_OPS),
    ),
    first_flexible=0,
)


async def handle(ctx: RequestContext, req: dict) -> dict:
    md = ctx.node.metadata
    if ctx.controller_listener:  # KIP-919: a controller answers with the quorum's voters
        return controllers_answer(ctx, req, CONTROLLERS)
    if req["endpoint_type"] == CONTROLLERS:
        return {
            "error_code": ErrorCode.MISMATCHED_ENDPOINT_TYPE,
            "endpoint_type": CONTROLLERS,
            "error_message": "The request was sent to an endpoint of type BROKER, but we wanted an endpoint "
            "of type CONTROLLER",
            "cluster_id": md.cluster_id,
        }
    if req["endpoint_type"] != BROKERS:
        return {
            "error_code": ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
            "endpoint_type": req["endpoint_type"],
            "error_message": f"Unknown endpoint type {req['endpoint_type']}",
            "cluster_id": md.cluster_id,
        }
    brokers = [
        {"broker_id": nid, "host": ep.host, "port": ep.port, "rack": rack}
        for nid, ep, rack in md.brokers_for_listener(ctx.listener)
    ]
    return {
        "error_code": ErrorCode.NONE,
        "cluster_id": md.cluster_id,
        "controller_id": md.client_controller_id(),
        "brokers": brokers,
    }


API = Api(KEY, "DescribeCluster", 0, 1, REQUEST, RESPONSE, handle, on_controller_listener=True)
