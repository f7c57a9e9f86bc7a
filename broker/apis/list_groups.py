"""ListGroups (key 16), v0–4: the groups this coordinator knows, with their state (v4+, which
may also filter by state, case-insensitively)."""

from __future__ import annotations

from ..group import coordinator_of
from ..protocol.api import Api
from ..protocol.messages.list_groups import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    wanted = {s.lower() for s in req["states_filter"] or []}
    groups = [
        {"group_id": g.group_id, "protocol_type": g.protocol_type or "", "group_state": g.state.value}
        for g in coordinator_of(ctx.node).list_groups()
        if not wanted or g.state.value.lower() in wanted
    ]
    return {"throttle_time_ms": 0, "error_code": 0, "groups": groups}


API = Api(KEY, "ListGroups", 0, 4, REQUEST, RESPONSE, handle)
