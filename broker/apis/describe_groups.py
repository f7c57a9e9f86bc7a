"""DescribeGroups (key 15), v0–5: state, protocol and members of each group; metadata and
assignments only while the group is Stable (as Kafka). Unknown groups are reported as Dead."""

from __future__ import annotations

from ..group import coordinator_of
from ..protocol.api import Api
from ..protocol.schema import BOOL, BYTES, INT16, INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 15
NO_AUTHORIZED_OPS = -2147483648

REQUEST = Message(
    Struct(
        F("groups", Array(STRING)),
        F("include_authorized_operations", BOOL, 3),
    ),
    first_flexible=5,
)

_MEMBER = Struct(
    F("member_id", STRING),
    F("group_instance_id", STRING, 4, null=4),
    F("client_id", STRING),
    F("client_host", STRING),
    F("member_metadata", BYTES),
    F("member_assignment", BYTES),
)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F(
            "groups",
            Array(
                Struct(
                    F("error_code", INT16),
                    F("group_id", STRING),
                    F("group_state", STRING),
                    F("protocol_type", STRING),
                    F("protocol_data", STRING),
                    F("members", Array(_MEMBER)),
                    F("authorized_operations", INT32, 3, default=NO_AUTHORIZED_OPS),
                )
            ),
        ),
    ),
    first_flexible=5,
)


async def handle(ctx: RequestContext, req: dict) -> dict:
    coord = coordinator_of(ctx.node)
    return {"throttle_time_ms": 0, "groups": [coord.describe(gid) for gid in req["groups"]]}


API = Api(KEY, "DescribeGroups", 0, 5, REQUEST, RESPONSE, handle)
