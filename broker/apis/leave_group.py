"""LeaveGroup (key 13), v0–5: one member (v0–2) or a batch of members (v3+, by member id or
group.instance.id) leave; the group rebalances without them."""

from __future__ import annotations

from ..acls import GROUP, READ, allowed
from ..group import coordinator_of
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.leave_group import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, READ, GROUP, req["group_id"]):  # with an authorizer: READ on the group
        return {"throttle_time_ms": 0, "error_code": ErrorCode.GROUP_AUTHORIZATION_FAILED}
    leaving: list[tuple[str, str | None]]
    if ctx.api_version < 3:
        leaving = [(req["member_id"], None)]
    else:
        leaving = [(m["member_id"], m["group_instance_id"]) for m in req["members"]]
    top, errors = coordinator_of(ctx.node).leave(req["group_id"], leaving)
    if ctx.api_version < 3:
        return {"throttle_time_ms": 0, "error_code": top or (errors[0] if errors else 0)}
    members = [
        {"member_id": mid, "group_instance_id": iid, "error_code": e}
        for (mid, iid), e in zip(leaving, errors, strict=False)
    ]
    return {"throttle_time_ms": 0, "error_code": top, "members": members}


API = Api(KEY, "LeaveGroup", 0, 5, REQUEST, RESPONSE, handle)
