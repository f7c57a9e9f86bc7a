"""DescribeGroups (key 15), v0–5: state, protocol and members of each group; metadata and
assignments only while the group is Stable (as Kafka). Unknown groups are reported as Dead."""

from __future__ import annotations

from ..group import coordinator_of
from ..protocol.api import Api
from ..protocol.messages.describe_groups import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    coord = coordinator_of(ctx.node)
    return {"throttle_time_ms": 0, "groups": [coord.describe(gid) for gid in req["groups"]]}


API = Api(KEY, "DescribeGroups", 0, 5, REQUEST, RESPONSE, handle)
