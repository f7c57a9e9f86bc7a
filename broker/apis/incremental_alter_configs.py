"""IncrementalAlterConfigs (key 44), v0–1: SET, DELETE, APPEND and SUBTRACT (list configs only)
applied to a topic's current overrides, then checked and applied as CreateTopics' configs are
(broker/topic_config_changes.py), or to a broker resource's dynamic configs
(broker/dynamic_broker_configs.py). Kafka's rules (ConfigAdminManager): a key twice in one
resource is INVALID_REQUEST, APPEND/SUBTRACT on a non-list config INVALID_CONFIG."""

from __future__ import annotations

from .. import dynamic_broker_configs
from ..acls import ALTER_CONFIGS, config_denied
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, INT8, INT16, INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext
from ..topic_config_changes import change
from ..topic_configs import TOPIC_CONFIGS, broker_default, parse, to_string
from .alter_configs import BROKER, TOPIC

KEY = 44
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3

REQUEST = Message(
    Struct(
        F(
            "resources",
            Array(
                Struct(
                    F("resource_type", INT8),
                    F("resource_name", STRING),
                    F(
                        "configs",
                        Array(
                            Struct(F("name", STRING), F("config_operation", INT8), F("value", STRING, null=0))
                        ),
                    ),
                )
            ),
        ),
        F("validate_only", BOOL),
    ),
    first_flexible=1,
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
    first_flexible=1,
)


def merged(
    current: dict[str, str], ops: list[dict], defs: dict, default_of
) -> tuple[dict[str, str] | None, int, str | None]:
    """`current` after the operations, or an error. `defs` gives each name's type (a
    TopicConfigDef), `default_of(def)` the value an APPEND/SUBTRACT starts from when unset."""
    names = [o["name"] for o in ops]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        return None, ErrorCode.INVALID_REQUEST, f"Error due to duplicate config keys: {', '.join(dup)}"
    current = dict(current)
    for o in ops:
        name, op, value = o["name"], o["config_operation"], o["value"]
        d = defs.get(name)
        if op == SET:
            current[name] = value
        elif op == DELETE:
            current.pop(name, None)
        elif op in (APPEND, SUBTRACT):
            if d is None:
                return None, ErrorCode.INVALID_CONFIG, f"Unknown config name: {name}"
            if d.type != "LIST":
                verb = "APPEND" if op == APPEND else "SUBTRACT"
                return (
                    None,
                    ErrorCode.INVALID_CONFIG,
                    f"Can't {verb} to key {name} because its type is not LIST.",
                )
            have = parse(d, current[name], source_name=name) if name in current else default_of(d)
            items = [x.strip() for x in (value or "").split(",") if x.strip()]
            new = (
                have + [x for x in items if x not in have]
                if op == APPEND
                else [x for x in have if x not in items]
            )
            current[name] = to_string(d, new) or ""
        else:
            return None, ErrorCode.INVALID_REQUEST, f"Unknown alter configs operation {op}"
    return current, ErrorCode.NONE, None


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
            if name not in ctx.node.metadata.topics:
                err, msg = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"Topic {name} does not exist"
            else:
                current = ctx.node.topic_configs.get(name, {})
                configs, err, msg = merged(
                    current,
                    res["configs"],
                    TOPIC_CONFIGS,
                    lambda d: broker_default(d, ctx.node.broker_settings()),
                )
                if configs is not None:
                    err, msg = await change(ctx.node, name, configs, req["validate_only"])
        elif rtype == BROKER:
            current = ctx.node.broker_configs.get(name, {})
            settings = ctx.node.broker_settings()
            configs, err, msg = merged(
                current,
                res["configs"],
                dynamic_broker_configs.RECONFIGURABLE,
                lambda d, s=settings: broker_default(d, s),
            )
            if configs is not None:
                err, msg = await dynamic_broker_configs.change(ctx.node, name, configs, req["validate_only"])
        else:
            err, msg = ErrorCode.INVALID_REQUEST, f"Unsupported resource type {rtype}"
        out.append({"error_code": err, "error_message": msg, "resource_type": rtype, "resource_name": name})
    return {"throttle_time_ms": 0, "responses": out}


API = Api(KEY, "IncrementalAlterConfigs", 0, 1, REQUEST, RESPONSE, handle)
