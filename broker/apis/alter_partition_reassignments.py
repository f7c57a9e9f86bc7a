"""AlterPartitionReassignments (key 45), v0: start or (replicas null) cancel partition
reassignments; the controller runs them (broker/cluster/reassignment.py). A broker-only node
forwards (NetlabController `alter_reassignments`)."""

from __future__ import annotations

from ..acls import ALTER, CLUSTER, CLUSTER_NAME, allowed
from ..cluster import reassignment
from ..cluster.forwarding import forward
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.alter_partition_reassignments import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


def alter(controller, topics: list[dict]) -> list[dict]:
    """On the active controller (ReplicationControlManager.alterPartitionReassignments): every
    partition's change against its own state, then one publish."""
    out = []
    for t in topics:
        parts = []
        for p in t["partitions"]:
            err, msg = reassignment.start(controller, t["name"], p["partition_index"], p["replicas"])
            parts.append(
                {"partition_index": p["partition_index"], "error_code": int(err), "error_message": msg}
            )
        out.append({"name": t["name"], "partitions": parts})
    controller.publish()
    return out


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, ALTER, CLUSTER, CLUSTER_NAME):  # with an authorizer
        return {
            "throttle_time_ms": 0,
            "error_code": ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
            "error_message": None,
            "responses": [],
        }
    node = ctx.node
    if node.controller is not None:
        responses = alter(node.controller, req["topics"])
    else:
        err, answer = await forward(node, "alter_reassignments", {"topics": req["topics"]})
        if err:
            return {
                "throttle_time_ms": 0,
                "error_code": err,
                "error_message": answer.get("error"),
                "responses": [],
            }
        responses = answer["responses"]
    return {
        "throttle_time_ms": 0,
        "error_code": ErrorCode.NONE,
        "error_message": None,
        "responses": responses,
    }


API = Api(KEY, "AlterPartitionReassignments", 0, 0, REQUEST, RESPONSE, handle)
