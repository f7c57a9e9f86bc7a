"""AlterConfigs (key 33), v0–2, the legacy form: a topic's overrides become exactly the given set
(names left out are removed; a null value removes it too), checked and applied as CreateTopics'
are (broker/topic_config_changes.py); for a broker resource ("" = cluster default, or a broker id)
the same for its dynamic configs (broker/dynamic_broker_configs.py)."""

from __future__ import annotations

from .. import dynamic_broker_configs
from ..acls import ALTER_CONFIGS, config_denied
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, INT8, INT16, INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext
from ..topic_config_changes import change

KEY = 33
TOPIC, BROKER = 2, 4

REQUEST = Message(
    Struct(
        F(
            "resources",
            Array(
                Struct(
                    F("resource_type", INT8),
                    F("resource_name", STRING),
                    F("configs", Array(Struct(F("name", STRING), F("value", STRING, null=0)))),
                )
            ),
        ),
        F("validate_only", BOOL),
    ),
    first_flexible=2,
)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "responses",
            Array(
                Struct(
                    F("error_code", INT16),
                    F("error_message", STRING, null=0),
                    F("resource_type", INT8),
                    F("resource_name", STRING),
                )
            ),
        ),
    ),
    first_flexible=2,
)


async def handle(ctx: RequestContext, req: dict) -> dict:
    out = []
    for res in req["resources"]:
        err: int
        msg: str | None
        rtype, name = res["resource_type"], res["resource_name"]
        denied = config_denied(ctx, ALTER_CONFIGS, rtype, name)
        if denied:
            err, msg = denied
        elif rtype == TOPIC:
            configs = {c["name"]: c["value"] for c in res["configs"] if c["value"] is not None}
            err, msg = await change(ctx.node, name, configs, req["validate_only"])
        elif rtype == BROKER:
            configs = {c["name"]: c["value"] for c in res["configs"] if c["value"] is not None}
            err, msg = await dynamic_broker_configs.change(ctx.node, name, configs, req["validate_only"])
        else:
            err, msg = ErrorCode.INVALID_REQUEST, f"Unsupported resource type {rtype}"
        out.append({"error_code": err, "error_message": msg, "resource_type": rtype, "resource_name": name})
    return {"throttle_time_ms": 0, "responses": out}


API = Api(KEY, "AlterConfigs", 0, 2, REQUEST, RESPONSE, handle)
