"""DescribeClientQuotas (key 48), v0–1: the client-id quotas set with AlterClientQuotas
(broker/quotas.py). Filters: match type 0 (this name), 1 (the default entity), 2 (any)."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.describe_client_quotas import KEY, REQUEST, RESPONSE
from ..quotas import DEFAULT_CLIENT, quotas_of
from ..request_context import RequestContext

MATCH_EXACT, MATCH_DEFAULT, MATCH_ANY = 0, 1, 2


def _matches(name: str, comp: dict) -> bool:
    if comp["match_type"] == MATCH_EXACT:
        return name == comp["match"]
    if comp["match_type"] == MATCH_DEFAULT:
        return name == DEFAULT_CLIENT
    return True


async def handle(ctx: RequestContext, req: dict) -> dict:
    comps = req["components"]
    if any(c["entity_type"] != "client-id" for c in comps) or comps[1:]:
        # a user (or user + client-id) filter: this broker keeps client-id quotas only
        return {"throttle_time_ms": 0, "error_code": ErrorCode.NONE, "error_message": None, "entries": []}
    if any(c["match_type"] not in (MATCH_EXACT, MATCH_DEFAULT, MATCH_ANY) for c in comps):
        return {
            "throttle_time_ms": 0,
            "error_code": ErrorCode.INVALID_REQUEST,
            "error_message": "Unknown match type",
            "entries": None,
        }
    entries = [
        {
            "entity": [{"entity_type": "client-id", "entity_name": None if name == DEFAULT_CLIENT else name}],
            "values": [{"key": k, "value": float(v)} for k, v in sorted(values.items())],
        }
        for name, values in sorted(quotas_of(ctx.node).entities.items())
        if all(_matches(name, c) for c in comps)
    ]
    return {"throttle_time_ms": 0, "error_code": ErrorCode.NONE, "error_message": None, "entries": entries}


API = Api(KEY, "DescribeClientQuotas", 0, 1, REQUEST, RESPONSE, handle)
