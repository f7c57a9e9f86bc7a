"""ElectLeaders (key 43), v0–2: preferred (v0+) or unclean (v1+) leader election, decided by the
controller (Controller.elect_leader) and published like any leader change. A null partition list
means every partition, and then, as Kafka does, partitions that already have the wanted leader
are left out of the answer. A broker-only node forwards (NetlabController `elect_leaders`)."""

from __future__ import annotations

from ..acls import ALTER, CLUSTER, CLUSTER_NAME, allowed
from ..cluster.forwarding import forward
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.elect_leaders import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext

PREFERRED, UNCLEAN = 0, 1


def elect(controller, wanted: list[dict] | None, unclean: bool) -> list[dict]:
    """On the active controller (Kafka's ReplicationControlManager.electLeaders, reached through
    ControllerApis): elect from its own state, publish once, answer per partition."""
    everything = wanted is None
    if wanted is None:
        wanted = [
            {"topic": n, "partitions": sorted(t.partitions)}
            for n, t in sorted(controller.metadata.topics.items())
        ]
    results, changed = [], False
    for t in wanted:
        parts = []
        for p in t["partitions"]:
            err, msg = controller.elect_leader(t["topic"], p, unclean)
            changed |= err == ErrorCode.NONE
            if everything and err == ErrorCode.ELECTION_NOT_NEEDED:
                continue
            parts.append({"partition_id": p, "error_code": int(err), "error_message": msg})
        results.append({"topic": t["topic"], "partition_result": parts})
    if changed:
        controller.publish()
    return results


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, ALTER, CLUSTER, CLUSTER_NAME):  # with an authorizer
        return {
            "throttle_time_ms": 0,
            "error_code": ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
            "replica_election_results": [],
        }
    unclean = ctx.api_version >= 1 and req["election_type"] == UNCLEAN
    if ctx.api_version >= 1 and req["election_type"] not in (PREFERRED, UNCLEAN):
        return {
            "throttle_time_ms": 0,
            "error_code": ErrorCode.INVALID_REQUEST,
            "replica_election_results": [],
        }
    node = ctx.node
    if node.controller is not None:
        results = elect(node.controller, req["topic_partitions"], unclean)
    else:
        body = {"topic_partitions": req["topic_partitions"], "unclean": unclean}
        err, answer = await forward(node, "elect_leaders", body)
        if err:
            return {"throttle_time_ms": 0, "error_code": err, "replica_election_results": []}
        results = answer["results"]
    return {"throttle_time_ms": 0, "error_code": ErrorCode.NONE, "replica_election_results": results}


API = Api(KEY, "ElectLeaders", 0, 2, REQUEST, RESPONSE, handle)
