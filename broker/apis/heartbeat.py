"""Heartbeat (key 12), v0–4: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to
rejoin."""

from __future__ import annotations

from ..acls import GROUP, READ, allowed
from ..group import coordinator_of
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.heartbeat import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, READ, GROUP, req["group_id"]):  # with an authorizer: READ on the group
        return {"throttle_time_ms": 0, "error_code": ErrorCode.GROUP_AUTHORIZATION_FAILED}
    err = coordinator_of(ctx.node).heartbeat(
        req["group_id"],
        req["generation_id"],
        req["member_id"],
        req["group_instance_id"] if ctx.api_version >= 3 else None,
    )
    return {"throttle_time_ms": 0, "error_code": err}


API = Api(KEY, "Heartbeat", 0, 4, REQUEST, RESPONSE, handle)
