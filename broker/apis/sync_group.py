"""SyncGroup (key 14), v0–5: the leader hands in the assignment (opaque bytes per member); every
member gets its own part back once the leader's arrives."""

from __future__ import annotations

from ..acls import GROUP, READ, allowed
from ..group import coordinator_of
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.sync_group import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, READ, GROUP, req["group_id"]):  # with an authorizer: READ on the group
        return {"throttle_time_ms": 0, "error_code": ErrorCode.GROUP_AUTHORIZATION_FAILED}
    assignments = {a["member_id"]: bytes(a["assignment"]) for a in req["assignments"]}
    out = await coordinator_of(ctx.node).sync(
        req["group_id"],
        req["generation_id"],
        req["member_id"],
        req["group_instance_id"] if ctx.api_version >= 3 else None,
        req["protocol_type"] if ctx.api_version >= 5 else None,
        req["protocol_name"] if ctx.api_version >= 5 else None,
        assignments,
    )
    out["throttle_time_ms"] = 0
    return out


API = Api(KEY, "SyncGroup", 0, 5, REQUEST, RESPONSE, handle)
