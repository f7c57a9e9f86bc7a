"""JoinGroup (key 11), v0–9: join or rejoin a classic group; answered when the rebalance's join
phase completes (the leader gets every member's metadata). v4+ get MEMBER_ID_REQUIRED first."""

from __future__ import annotations

from ..acls import GROUP, READ, allowed
from ..group import coordinator_of
from ..group.coordinator import JoinRequest
from ..protocol.dispatch import Api, RequestContext
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, BYTES, INT16, INT32, STRING, Array, F, Message, Struct

KEY = 11

REQUEST = Message(
    Struct(
        F("group_id", STRING),
        F("session_timeout_ms", INT32),
        F("rebalance_timeout_ms", INT32, 1, default=-1),
        F("member_id", STRING),
        F("group_instance_id", STRING, 5, null=5),
        F("protocol_type", STRING),
        F("protocols", Array(Struct(F("name", STRING), F("metadata", BYTES)))),
        F("reason", STRING, 8, null=8),  # KIP-800: why the member rejoins (logged by Kafka)
    ),
    first_flexible=6,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 2),
        F("error_code", INT16),
        F("generation_id", INT32, default=-1),
        F("protocol_type", STRING, 7, null=7),
        F("protocol_name", STRING, null=7),
        F("leader", STRING),
        F("skip_assignment", BOOL, 9),  # KIP-814: only for a static leader rejoining; never here
        F("member_id", STRING),
        F(
            "members",
            Array(
                Struct(
                    F("member_id", STRING), F("group_instance_id", STRING, 5, null=5), F("metadata", BYTES)
                )
            ),
        ),
    ),
    first_flexible=6,
)


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
