"""DeleteAcls (key 31), v0–3: remove the ACLs matching each filter, answering which were removed
(broker/acls.py). Needs ALTER on the cluster."""

from __future__ import annotations

from .. import acls as A
from ..cluster.forwarding import forward
from ..protocol.api import Api
from ..protocol.schema import INT8, INT16, INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext
from .create_acls import guard
from .describe_acls import filter_of

KEY = 31

_FILTER = Struct(
    F("resource_type_filter", INT8),
    F("resource_name_filter", STRING, null=0),
    F("pattern_type_filter", INT8, 1, default=A.LITERAL),
    F("principal_filter", STRING, null=0),
    F("host_filter", STRING, null=0),
    F("operation", INT8),
    F("permission_type", INT8),
)
REQUEST = Message(Struct(F("filters", Array(_FILTER))), first_flexible=2)
_MATCH = Struct(
    F("error_code", INT16),
    F("error_message", STRING, null=0),
    F("resource_type", INT8),
    F("resource_name", STRING),
    F("pattern_type", INT8, 1, default=A.LITERAL),
    F("principal", STRING),
    F("host", STRING),
    F("operation", INT8),
    F("permission_type", INT8),
)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "filter_results",
            Array(
                Struct(
                    F("error_code", INT16),
                    F("error_message", STRING, null=0),
                    F("matching_acls", Array(_MATCH)),
                )
            ),
        ),
    ),
    first_flexible=2,
)


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
