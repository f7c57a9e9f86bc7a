"""AlterClientQuotas (key 49), v0–1: set or remove client-id byte-rate quotas
(producer_byte_rate, consumer_byte_rate) of a client id or of the default client id (a null
name), kept in `client-quotas.json` (broker/quotas.py). Only the client-id entity type is
served; user quotas, request_percentage and controller_mutation_rate are refused with
INVALID_REQUEST. On a cluster the quotas are this broker's own (Kafka keeps them in the cluster
metadata)."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.alter_client_quotas import KEY, REQUEST, RESPONSE
from ..quotas import DEFAULT_CLIENT, FETCH, PRODUCE, quotas_of
from ..request_context import RequestContext

CLIENT_ID = "client-id"


def _check(entry: dict) -> str | None:
    types = [e["entity_type"] for e in entry["entity"]]
    if types != [CLIENT_ID]:
        return (
            f"Only client-id quotas are supported by this broker, not {'+'.join(types) or 'an empty entity'}"
        )
    for op in entry["ops"]:
        if op["key"] not in (PRODUCE, FETCH):
            return f"Quota {op['key']} is not supported by this broker (only {PRODUCE}, {FETCH})"
        if not op["remove"] and op["value"] <= 0:
            return f"Invalid value {op['value']} for {op['key']}: it must be positive"
    return None


async def handle(ctx: RequestContext, req: dict) -> dict:
    quotas = quotas_of(ctx.node)
    out = []
    changed = False
    for entry in req["entries"]:
        err = _check(entry)
        if err is None and not req["validate_only"]:
            name = entry["entity"][0]["entity_name"]
            for op in entry["ops"]:
                quotas.alter(
                    DEFAULT_CLIENT if name is None else name, op["key"], None if op["remove"] else op["value"]
                )
            changed = True
        out.append(
            {
                "error_code": ErrorCode.INVALID_REQUEST if err else ErrorCode.NONE,
                "error_message": err,
                "entity": entry["entity"],
            }
        )
    if changed:
        quotas.save()
    return {"throttle_time_ms": 0, "entries": out}


API = Api(KEY, "AlterClientQuotas", 0, 1, REQUEST, RESPONSE, handle)
