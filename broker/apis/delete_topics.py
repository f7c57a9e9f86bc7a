"""DeleteTopics (key 20), v0–6: by name (v0–5) or by name or topic id (v6+, KIP-516)."""

from __future__ import annotations

import uuid

from ..acls import DELETE, TOPIC, allowed
from ..cluster.errors import ChannelError
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.delete_topics import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext

_ZERO = uuid.UUID(int=0)


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


_MESSAGES = {
    ErrorCode.UNKNOWN_TOPIC_OR_PARTITION: "This server does not host this topic-partition.",
    ErrorCode.TOPIC_DELETION_DISABLED: "Topic deletion is disabled.",
    ErrorCode.UNKNOWN_TOPIC_ID: "This server does not host this topic ID.",
}


def _named(ctx: RequestContext, req: dict) -> tuple[list[str], list[dict]]:
    """The names to delete, and the answers already known (v6 entries that name no topic)."""
    if ctx.api_version < 6:
        return list(req["topic_names"]), []
    names, early = [], []
    for t in req["topics"]:
        if t["name"] is not None and t["topic_id"].int != 0:
            # Kafka's ControllerApis.deleteTopics refuses entries that give both
            early.append(
                {
                    "name": t["name"],
                    "topic_id": t["topic_id"],
                    "error_code": ErrorCode.INVALID_REQUEST,
                    "error_message": "You may not specify both topic name and topic id.",
                }
            )
        elif t["name"] is not None:
            names.append(t["name"])
        else:
            info = ctx.node.metadata.topic_by_id(t["topic_id"])
            if info is None:
                early.append(
                    {
                        "name": None,
                        "topic_id": t["topic_id"],
                        "error_code": ErrorCode.UNKNOWN_TOPIC_ID,
                        "error_message": _MESSAGES[ErrorCode.UNKNOWN_TOPIC_ID],
                    }
                )
            else:
                names.append(info.name)
    return names, early


async def handle(ctx: RequestContext, req: dict) -> dict:
    names, out = _named(ctx, req)
    for name in [n for n in names if not allowed(ctx, DELETE, TOPIC, n)]:  # with an authorizer
        names.remove(name)
        out.append({"name": name, "topic_id": _ZERO, "error_code": ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    node = ctx.node
    ids = {n: t.topic_id for n in names if (t := node.metadata.topics.get(n)) is not None}
    if node.zk is not None:  # ZooKeeper mode: marked in ZooKeeper, deleted by the controller (broker/zk/)
        forwarded = (
            await node.zk.delete_topics(names)
            if node.config["delete.topic.enable"]
            else {n: ErrorCode.TOPIC_DELETION_DISABLED for n in names}
        )
    else:
        forwarded = await _forward(ctx, names) if node.controller is None and names else {}
    for name in names:
        code = forwarded[name] if forwarded else ctx.node.topic_admin.delete(name)
        out.append(
            {
                "name": name,
                "topic_id": ids.get(name, _ZERO),
                "error_code": code,
                "error_message": _MESSAGES.get(code),
            }
        )
    return {"throttle_time_ms": 0, "responses": out}


API = Api(KEY, "DeleteTopics", 0, 6, REQUEST, RESPONSE, handle)
