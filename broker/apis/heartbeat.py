"""Heartbeat (key 12), v0–4: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to
rejoin."""

from __future__ import annotations

from ..acls import GROUP, READ, allowed
from ..group import coordinator_of
from ..protocol.dispatch import Api, RequestContext
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT16, INT32, STRING, F, Message, Struct

KEY = 12

REQUEST = Message(
    Struct(
        F("group_id", STRING),
        F("generation_id", INT32),
        F("member_id", STRING),
        F("group_instance_id", STRING, 3, null=3),
    ),
    first_flexible=4,
)

RESPONSE = Message(Struct(F("throttle_time_ms", INT32, 1), F("error_code", INT16)), first_flexible=4)


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
