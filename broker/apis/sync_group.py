"""SyncGroup (key 14), v0–5: the leader hands in the assignment (opaque bytes per member); every
member gets its own part back once the leader's arrives."""

from __future__ import annotations

from ..acls import GROUP, READ, allowed
from ..group import coordinator_of
from ..protocol.dispatch import Api, RequestContext
from ..protocol.errors import ErrorCode
from ..protocol.schema import BYTES, INT16, INT32, STRING, Array, F, Message, Struct

KEY = 14

REQUEST = Message(
    Struct(
        F("group_id", STRING),
        F("generation_id", INT32),
        F("member_id", STRING),
        F("group_instance_id", STRING, 3, null=3),
        F("protocol_type", STRING, 5, null=5),
        F("protocol_name", STRING, 5, null=5),
        F("assignments", Array(Struct(F("member_id", STRING), F("assignment", BYTES)))),
    ),
    first_flexible=4,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F("error_code", INT16),
        F("protocol_type", STRING, 5, null=5),
        F("protocol_name", STRING, 5, null=5),
        F("assignment", BYTES),
    ),
    first_flexible=4,
)


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
