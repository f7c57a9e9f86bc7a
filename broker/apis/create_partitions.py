"""CreatePartitions (key 37), v0–3: add partitions to a topic, placed by the controller or as
assigned. Checks and messages are Kafka's (ReplicationControlManager.createPartitions). A
broker-only node forwards to the controller (NetlabController `create_partitions`) and answers
once its own metadata shows the new partitions; a ZooKeeper-mode broker writes the topic's new
assignment to its znode (AdminZkClient.addPartitions) and the controller takes it from there.

At most 10,000 new partitions per request (Kafka 3.7's controller builds at most
MAX_RECORDS_PER_USER_OP records per operation; more fails the whole request with
POLICY_VIOLATION, EventHandlerExceptionInfo's "Unable to perform excessively large batch
operation."), as CreateTopics' cap (docs/hardening.md)."""

from __future__ import annotations

from ..acls import ALTER, TOPIC, allowed
from ..cluster.forwarding import forward
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.create_partitions import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from .create_topics import MAX_PARTITIONS_PER_REQUEST


def check(metadata, name: str, count: int, assignments: list[list[int]] | None) -> tuple[int, str | None]:
    """Kafka's validation of one topic's request against a view of the cluster (the broker's, or
    the controller's own, as ReplicationControlManager checks it); (error, message)."""
    info = metadata.topics.get(name)
    if info is None:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition."
    current = len(info.partitions)
    if count < current:
        return (
            ErrorCode.INVALID_PARTITIONS,
            f"The topic {name} currently has {current} partition(s); {count} would not be an increase.",
        )
    if count == current:
        return ErrorCode.INVALID_PARTITIONS, f"Topic already has {current} partition(s)."
    if assignments is None:
        return ErrorCode.NONE, None
    added = count - current
    if len(assignments) != added:
        return (
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            f"Attempted to add {added} additional partition(s), but only {len(assignments)} assignment(s) "
            "were specified.",
        )
    rf = len(info.partitions[0].replicas)
    for reps in assignments:
        if len(reps) != rf:
            return (
                ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                f"The manual partition assignment includes a partition with {len(reps)} replica(s), but "
                f"this is not consistent with previous partitions, which have {rf} replica(s).",
            )
        for b in reps:
            if reps.count(b) > 1:
                return (
                    ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                    f"The manual partition assignment includes the broker {b} more than once.",
                )
            if b not in metadata.brokers:
                return (
                    ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                    f"The manual partition assignment includes broker {b}, but no such broker is registered.",
                )
    return ErrorCode.NONE, None


def apply(controller, name: str, count: int, assignments: list[list[int]] | None) -> tuple[int, str | None]:
    """On the active controller (the only voter's, or the one a broker forwarded to): validate
    against its own state, place and publish."""
    md = controller.metadata
    err, msg = check(md, name, count, assignments)
    if err:
        return err, msg
    info = md.topics[name]
    if assignments is None:
        rf = len(info.partitions[0].replicas)
        if rf > len(md.brokers):
            return (
                ErrorCode.INVALID_REPLICATION_FACTOR,
                f"Unable to replicate the partition {rf} time(s): The target replication factor of {rf} "
                f"cannot be reached because only {len(md.brokers)} broker(s) are registered.",
            )
        assignments = controller.place(count - len(info.partitions), rf)
    controller.add_partitions(name, assignments)
    return ErrorCode.NONE, None


async def _forward(ctx: RequestContext, name: str, count: int, assignments) -> tuple[int, str | None]:
    body = {"name": name, "count": count, "assignments": assignments}
    err, answer = await forward(ctx.node, "create_partitions", body)
    if err:
        return err, answer.get("error")
    return answer["error_code"], answer["error_message"]


def _added(node, t: dict) -> int:
    """The partition records a topic's entry would add (none for a topic we do not know)."""
    info = node.metadata.topics.get(t["name"])
    return max(t["count"] - len(info.partitions), 0) if info is not None else 0


async def handle(ctx: RequestContext, req: dict) -> dict:
    names = [t["name"] for t in req["topics"]]
    if sum(_added(ctx.node, t) for t in req["topics"]) > MAX_PARTITIONS_PER_REQUEST:
        too_large = "Unable to perform excessively large batch operation."
        results = [
            {"name": n, "error_code": ErrorCode.POLICY_VIOLATION, "error_message": too_large} for n in names
        ]
        return {"throttle_time_ms": 0, "results": results}
    results = []
    for t in req["topics"]:
        err: int
        msg: str | None
        name, count = t["name"], t["count"]
        assignments = None if t["assignments"] is None else [a["broker_ids"] for a in t["assignments"]]
        if names.count(name) > 1:
            err, msg = ErrorCode.INVALID_REQUEST, "Duplicate topic name."
        elif not allowed(ctx, ALTER, TOPIC, name):  # with an authorizer
            err, msg = ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Authorization failed."
        elif req["validate_only"] or ctx.node.controller is None:
            err, msg = check(ctx.node.metadata, name, count, assignments)
            if not err and not req["validate_only"]:
                if ctx.node.zk is not None:
                    timeout_s = max(req["timeout_ms"], 0) / 1000
                    err, msg = await ctx.node.zk.add_partitions(name, count, assignments, timeout_s)
                else:
                    err, msg = await _forward(ctx, name, count, assignments)
        else:
            err, msg = apply(ctx.node.controller, name, count, assignments)
        results.append({"name": name, "error_code": err, "error_message": msg})
    return {"throttle_time_ms": 0, "results": results}


API = Api(KEY, "CreatePartitions", 0, 3, REQUEST, RESPONSE, handle)
