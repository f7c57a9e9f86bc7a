"""DescribeCluster on a controller listener (KIP-919, Kafka 3.7): the voters with their
controller endpoints and the active controller, what `--bootstrap-controller` tools ask."""

from __future__ import annotations

from ..protocol.errors import ErrorCode


def controllers_answer(ctx, req: dict, controllers_type: int) -> dict:
    md = ctx.node.metadata
    if req["endpoint_type"] != controllers_type:
        return {
            "error_code": ErrorCode.MISMATCHED_ENDPOINT_TYPE,
            "endpoint_type": req["endpoint_type"],
            "error_message": "The request was sent to an endpoint of type CONTROLLER, but we wanted an "
            "endpoint "
            "of type BROKER",
            "cluster_id": md.cluster_id,
        }
    raft = getattr(ctx.node, "raft", None)
    leader = raft.state.leader_id if raft is not None else ctx.node.node_id
    return {
        "error_code": ErrorCode.NONE,
        "endpoint_type": controllers_type,
        "cluster_id": md.cluster_id,
        "controller_id": leader,
        "brokers": [
            {"broker_id": i, "host": h, "port": p, "rack": None}
            for i, (h, p) in sorted(ctx.node.config.voters.items())
        ],
    }
