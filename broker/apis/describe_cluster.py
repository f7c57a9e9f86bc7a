"""DescribeCluster (key 60), v0–1: the cluster as seen from the request's listener (brokers with
their advertised endpoint for that listener), like Metadata without topics. Endpoint type 2
(controllers, v1) is refused: the controller answers only on its own listener in Kafka."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.describe_cluster import BROKERS, CONTROLLERS, KEY, REQUEST, RESPONSE
from ..raft.describe_controllers import controllers_answer
from ..request_context import RequestContext


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
