"""JoinGroup (key 11), v0–9: join or rejoin a classic group; answered when the rebalance's join
phase completes (the leader gets every member's metadata). v4+ get MEMBER_ID_REQUIRED first."""

from __future__ import annotations

from ..acls import GROUP, READ, allowed
from ..group import coordinator_of
from ..group.coordinator import JoinRequest
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.join_group import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, READ, GROUP, req["group_id"]):  # with an authorizer: READ on the group
        return {
            "throttle_time_ms": 0,
            "error_code": ErrorCode.GROUP_AUTHORIZATION_FAILED,
            "member_id": req["member_id"],
        }
    host = ctx.peer.rsplit(":", 1)[0]
    rebalance = req["rebalance_timeout_ms"]
    if ctx.api_version < 1 or rebalance <= 0:  # v0 has none: Kafka uses the session timeout
        rebalance = req["session_timeout_ms"]
    instance_id = req["group_instance_id"] if ctx.api_version >= 5 else None  # absent → not static
    r = JoinRequest(
        req["group_id"],
        req["member_id"],
        instance_id,
        ctx.client_id or "",
        f"/{host}",
        req["session_timeout_ms"],
        rebalance,
        req["protocol_type"],
        [(p["name"], bytes(p["metadata"])) for p in req["protocols"]],
        require_known_member_id=ctx.api_version >= 4,
    )
    out = await coordinator_of(ctx.node).join(r)
    out["throttle_time_ms"] = 0
    return out


API = Api(KEY, "JoinGroup", 0, 9, REQUEST, RESPONSE, handle)
