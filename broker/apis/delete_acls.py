"""DeleteAcls (key 31), v0–3: remove the ACLs matching each filter, answering which were removed
(broker/acls.py). Needs ALTER on the cluster."""

from __future__ import annotations

from .. import acls as A
from ..cluster.forwarding import forward
from ..protocol.api import Api
from ..protocol.messages.delete_acls import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from .create_acls import guard
from .describe_acls import filter_of


def _answer(removed: list[list[dict]]) -> list[dict]:
    return [
        {
            "error_code": 0,
            "error_message": None,
            "matching_acls": [{"error_code": 0, "error_message": None, **b} for b in gone],
        }
        for gone in removed
    ]


async def handle(ctx: RequestContext, req: dict) -> dict:
    refused = guard(ctx, A.ALTER)
    if refused:
        denied: dict = {"error_code": refused[0], "error_message": refused[1], "matching_acls": []}
        return {"throttle_time_ms": 0, "filter_results": [denied] * len(req["filters"])}
    node = ctx.node
    if node.controller is not None:
        removed = [
            [b.to_json() for b in gone]
            for gone in node.controller.delete_acls([filter_of(f) for f in req["filters"]])
        ]
    else:
        err, answer = await forward(node, "delete_acls", {"filters": req["filters"]})
        if err:
            failed: dict = {"error_code": err, "error_message": answer.get("error"), "matching_acls": []}
            return {"throttle_time_ms": 0, "filter_results": [failed] * len(req["filters"])}
        removed = answer["removed"]
    return {"throttle_time_ms": 0, "filter_results": _answer(removed)}


API = Api(KEY, "DeleteAcls", 0, 3, REQUEST, RESPONSE, handle)
