"""ListGroups (key 16), v0–4: the groups this coordinator knows, with their state (v4+, which
may also filter by state, case-insensitively)."""

from __future__ import annotations

from ..group import coordinator_of
from ..protocol.api import Api
from ..protocol.schema import INT16, INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 16

REQUEST = Message(Struct(F("states_filter", Array(STRING), 4)), first_flexible=3)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F("error_code", INT16),
        F(
            "groups",
            Array(Struct(F("group_id", STRING), F("protocol_type", STRING), F("group_state", STRING, 4))),
        ),
    ),
    first_flexible=3,
)


async def handle(ctx: RequestContext, req: dict) -> dict:
    wanted = {s.lower() for s in req["states_filter"] or []}
    groups = [
        {"group_id": g.group_id, "protocol_type": g.protocol_type or "", "group_state": g.state.value}
        for g in coordinator_of(ctx.node).list_groups()
        if not wanted or g.state.value.lower() in wanted
    ]
    return {"throttle_time_ms": 0, "error_code": 0, "groups": groups}


API = Api(KEY, "ListGroups", 0, 4, REQUEST, RESPONSE, handle)
