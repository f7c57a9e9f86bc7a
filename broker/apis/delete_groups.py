"""DeleteGroups (key 42), v0–2: delete Empty groups and their committed offsets
(broker/group/deletion.py)."""

from __future__ import annotations

from ..acls import DELETE, GROUP, allowed
from ..group import coordinator_of
from ..group.deletion import delete_group
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.delete_groups import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    coord = coordinator_of(ctx.node)
    results = [  # with an authorizer: DELETE on each group
        {"group_id": g, "error_code": ErrorCode.GROUP_AUTHORIZATION_FAILED}
        if not allowed(ctx, DELETE, GROUP, g)
        else {"group_id": g, "error_code": delete_group(coord, g)}
        for g in dict.fromkeys(req["groups_names"])
    ]
    for r in results:
        if r["error_code"] == 0:
            await coord.topic.wait_replicated(r["group_id"], 5000)
    return {"throttle_time_ms": 0, "results": results}


API = Api(KEY, "DeleteGroups", 0, 2, REQUEST, RESPONSE, handle)
