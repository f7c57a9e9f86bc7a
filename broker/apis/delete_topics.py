"""DeleteTopics (key 20), v1–5."""

from __future__ import annotations

from ..cluster.errors import ChannelError
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT16, INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 20

REQUEST = Message(Struct(F("topic_names", Array(STRING)), F("timeout_ms", INT32)), first_flexible=4)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F(
            "responses",
            Array(Struct(F("name", STRING), F("error_code", INT16), F("error_message", STRING, 5, null=5))),
        ),
    ),
    first_flexible=4,
)


async def _forward(ctx: RequestContext, names: list[str]) -> dict[str, ErrorCode]:
    """A broker-only node: the controller deletes; we wait until our metadata shows it."""
    node = ctx.node
    if not node.config["delete.topic.enable"]:
        return {n: ErrorCode.TOPIC_DELETION_DISABLED for n in names}
    lifecycle = node.lifecycle
    if lifecycle is None:  # not registered with a controller (yet)
        return {n: ErrorCode.REQUEST_TIMED_OUT for n in names}
    try:
        results, version = await lifecycle.client.delete_topics(names)
    except ChannelError:
        return {n: ErrorCode.REQUEST_TIMED_OUT for n in names}
    await lifecycle.wait_metadata(version, 10.0)
    return {n: ErrorCode(c) for n, c in results.items()}


async def handle(ctx: RequestContext, req: dict) -> dict:
    out = []
    node = ctx.node
    if node.zk is not None:  # ZooKeeper mode: marked in ZooKeeper, deleted by the controller (broker/zk/)
        forwarded = (
            await node.zk.delete_topics(req["topic_names"])
            if node.config["delete.topic.enable"]
            else {n: ErrorCode.TOPIC_DELETION_DISABLED for n in req["topic_names"]}
        )
    else:
        forwarded = await _forward(ctx, req["topic_names"]) if node.controller is None else {}
    for name in req["topic_names"]:
        code = forwarded[name] if forwarded else ctx.node.delete_topic(name)
        msg = {
            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION: "This server does not host this topic-partition.",
            ErrorCode.TOPIC_DELETION_DISABLED: "Topic deletion is disabled.",
        }.get(code)
        out.append({"name": name, "error_code": code, "error_message": msg})
    return {"throttle_time_ms": 0, "responses": out}


API = Api(KEY, "DeleteTopics", 1, 5, REQUEST, RESPONSE, handle)
