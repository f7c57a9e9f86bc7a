"""LeaveGroup (key 13), v0–5: one member (v0–2) or a batch of members (v3+, by member id or
group.instance.id) leave; the group rebalances without them."""

from __future__ import annotations

from ..acls import GROUP, READ, allowed
from ..group import coordinator_of
from ..protocol.dispatch import Api, RequestContext
from ..protocol.errors import ErrorCode
from ..protocol.schema import INT16, INT32, STRING, Array, F, Message, Struct

KEY = 13

REQUEST = Message(
    Struct(
        F("group_id", STRING),
        F("member_id", STRING, 0, 2),
        F(
            "members",
            Array(
                Struct(
                    F("member_id", STRING, 3),
                    F("group_instance_id", STRING, 3, null=3),
                    F("reason", STRING, 5, null=5),  # KIP-800
                )
            ),
            3,
        ),
    ),
    first_flexible=4,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F("error_code", INT16),
        F(
            "members",
            Array(
                Struct(
                    F("member_id", STRING, 3),
                    F("group_instance_id", STRING, 3, null=3),
                    F("error_code", INT16, 3),
                )
            ),
            3,
        ),
    ),
    first_flexible=4,
)


async def handle(ctx: RequestContext, req: dict) -> dict:
    if not allowed(ctx, READ, GROUP, req["group_id"]):  # with an authorizer: READ on the group
        return {"throttle_time_ms": 0, "error_code": ErrorCode.GROUP_AUTHORIZATION_FAILED}
    if ctx.api_version < 3:
        leaving = [(req["member_id"], None)]
    else:
        leaving = [(m["member_id"], m["group_instance_id"]) for m in req["members"]]
    top, errors = coordinator_of(ctx.node).leave(req["group_id"], leaving)
    if ctx.api_version < 3:
        return {"throttle_time_ms": 0, "error_code": top or (errors[0] if errors else 0)}
    members = [
        {"member_id": mid, "group_instance_id": iid, "error_code": e}
        for (mid, iid), e in zip(leaving, errors)
    ]
    return {"throttle_time_ms": 0, "error_code": top, "members": members}


API = Api(KEY, "LeaveGroup", 0, 5, REQUEST, RESPONSE, handle)
