"""CreatePartitions (key 37), v0–3: add partitions to a topic, placed by the controller or as
assigned. Checks and messages are Kafka's (ReplicationControlManager.createPartitions). A
broker-only node forwards to the controller (NetlabController `create_partitions`) and answers
once its own metadata shows the new partitions."""

from __future__ import annotations

from ..acls import ALTER, TOPIC, allowed
from ..cluster.forwarding import forward
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, INT16, INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 37

REQUEST = Message(
    Struct(
        F(
            "topics",
            Array(
                Struct(
                    F("name", STRING),
                    F("count", INT32),
                    F("assignments", Array(Struct(F("broker_ids", Array(INT32)))), null=0),
                )
            ),
        ),
        F("timeout_ms", INT32),
        F("validate_only", BOOL),
    ),
    first_flexible=2,
)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "results",
            Array(Struct(F("name", STRING), F("error_code", INT16), F("error_message", STRING, null=0))),
        ),
    ),
    first_flexible=2,
)


def check(node, name: str, count: int, assignments: list[list[int]] | None) -> tuple[int, str | None]:
    """Kafka's validation of one topic's request; (error, message)."""
    info = node.metadata.topics.get(name)
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
            if b not in node.metadata.brokers:
                return (
                    ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                    f"The manual partition assignment includes broker {b}, but no such broker is registered.",
                )
    return ErrorCode.NONE, None


def apply(node, name: str, count: int, assignments: list[list[int]] | None) -> tuple[int, str | None]:
    """On the controller: validate, place and publish."""
    err, msg = check(node, name, count, assignments)
    if err:
        return err, msg
    info = node.metadata.topics[name]
    if assignments is None:
        rf = len(info.partitions[0].replicas)
        if rf > len(node.metadata.brokers):
            return (
                ErrorCode.INVALID_REPLICATION_FACTOR,
                f"Unable to replicate the partition {rf} time(s): The target replication factor of {rf} "
                f"cannot be reached because only {len(node.metadata.brokers)} broker(s) are registered.",
            )
        assignments = node.controller.place(count - len(info.partitions), rf)
    node.controller.add_partitions(name, assignments)
    return ErrorCode.NONE, None


async def _forward(ctx: RequestContext, name: str, count: int, assignments) -> tuple[int, str | None]:
    body = {"name": name, "count": count, "assignments": assignments}
    err, answer = await forward(ctx.node, "create_partitions", body)
    if err:
        return err, answer.get("error")
    return answer["error_code"], answer["error_message"]


async def handle(ctx: RequestContext, req: dict) -> dict:
    names = [t["name"] for t in req["topics"]]
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
            err, msg = check(ctx.node, name, count, assignments)
            if not err and not req["validate_only"]:
                err, msg = await _forward(ctx, name, count, assignments)
        else:
            err, msg = apply(ctx.node, name, count, assignments)
        results.append({"name": name, "error_code": err, "error_message": msg})
    return {"throttle_time_ms": 0, "results": results}


API = Api(KEY, "CreatePartitions", 0, 3, REQUEST, RESPONSE, handle)
