"""FindCoordinator (key 10), v0–4: the coordinator's endpoint for the request's listener.

The group maps to a `__consumer_offsets` partition, a transactional id (key type 1) to a
`__transaction_state` partition; its leader coordinates it. The topic
is created on first use, and that first answer is COORDINATOR_NOT_AVAILABLE (Kafka creates it
asynchronously; clients retry). A coordinator without the request's listener is
COORDINATOR_NOT_AVAILABLE too."""

from __future__ import annotations

from ..acls import DESCRIBE, GROUP, allowed
from ..group import coordinator_of
from ..group.errors import GroupError
from ..protocol.api import Api
from ..protocol.messages.find_coordinator import GROUP_KEY_TYPE, KEY, REQUEST, RESPONSE, TRANSACTION_KEY_TYPE
from ..request_context import RequestContext
from ..txn.coordinator import coordinator_of as txn_coordinator_of


def find(ctx: RequestContext, key: str, key_type: int) -> dict:
    """One key's answer: {key, node_id, host, port, error_code, error_message}."""

    def fail(code: GroupError, message: str | None) -> dict:
        return {
            "key": key,
            "node_id": -1,
            "host": "",
            "port": -1,
            "error_code": code,
            "error_message": message,
        }

    if key_type == TRANSACTION_KEY_TYPE:
        return _find_txn(ctx, key, fail)
    if key_type != GROUP_KEY_TYPE:
        return fail(GroupError.INVALID_REQUEST, f"Unknown coordinator type {key_type}")
    if not key:
        return fail(GroupError.INVALID_GROUP_ID, "The group id must not be empty")
    if not allowed(ctx, DESCRIBE, GROUP, key):  # with an authorizer (KafkaApis)
        return fail(GroupError.GROUP_AUTHORIZATION_FAILED, None)
    coord = coordinator_of(ctx.node)
    if not coord.topic.exists():
        err = coord.topic.create()
        return fail(
            GroupError.COORDINATOR_NOT_AVAILABLE,
            "The coordinator is not available."
            if not err
            else "The offsets topic could not be created (see the broker log).",
        )
    leader = coord.topic.leader_of(key)
    broker = ctx.node.metadata.brokers.get(leader) if leader is not None else None
    endpoint = broker.endpoints.get(ctx.listener) if broker is not None else None
    if endpoint is None:
        return fail(GroupError.COORDINATOR_NOT_AVAILABLE, "The coordinator is not available.")
    coord.load()
    return {
        "key": key,
        "node_id": leader,
        "host": endpoint.host,
        "port": endpoint.port,
        "error_code": GroupError.NONE,
        "error_message": None,
    }


def _find_txn(ctx: RequestContext, key: str, fail) -> dict:
    """Transaction coordinator: the leader of the id's `__transaction_state` partition (created
    on first use like `__consumer_offsets`)."""
    if not key:
        return fail(GroupError.INVALID_REQUEST, "The transactional id must not be empty")
    coord = txn_coordinator_of(ctx.node)
    if not coord.topic_exists():
        coord.create_topic()
        return fail(GroupError.COORDINATOR_NOT_AVAILABLE, "The coordinator is not available.")
    leader = coord.leader_of(key)
    broker = ctx.node.metadata.brokers.get(leader) if leader is not None else None
    endpoint = broker.endpoints.get(ctx.listener) if broker is not None else None
    if endpoint is None:
        return fail(GroupError.COORDINATOR_NOT_AVAILABLE, "The coordinator is not available.")
    if leader == ctx.node.node_id:
        coord.load()
    return {
        "key": key,
        "node_id": leader,
        "host": endpoint.host,
        "port": endpoint.port,
        "error_code": GroupError.NONE,
        "error_message": None,
    }


async def handle(ctx: RequestContext, req: dict) -> dict:
    if ctx.api_version >= 4:
        return {
            "throttle_time_ms": 0,
            "coordinators": [find(ctx, k, req["key_type"]) for k in req["coordinator_keys"]],
        }
    one = find(ctx, req["key"], req["key_type"])
    return {
        "throttle_time_ms": 0,
        "error_code": one["error_code"],
        "error_message": one["error_message"],
        "node_id": one["node_id"],
        "host": one["host"],
        "port": one["port"],
    }


API = Api(KEY, "FindCoordinator", 0, 4, REQUEST, RESPONSE, handle)
