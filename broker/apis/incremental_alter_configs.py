"""IncrementalAlterConfigs (key 44), v0–1: SET, DELETE, APPEND and SUBTRACT (list configs only)
applied to a topic's current overrides, then checked and applied as CreateTopics' configs are
(broker/topic_config_changes.py), or to a broker resource's dynamic configs
(broker/dynamic_broker_configs.py). Kafka's rules (ConfigAdminManager): a key twice in one
resource is INVALID_REQUEST, APPEND/SUBTRACT on a non-list config INVALID_CONFIG. The
per-resource loop is broker/config_alteration.py, shared with AlterConfigs."""

from __future__ import annotations

from .. import dynamic_broker_configs
from ..config_alteration import TOPIC, alter_each
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.incremental_alter_configs import (
    APPEND,
    DELETE,
    KEY,
    REQUEST,
    RESPONSE,
    SET,
    SUBTRACT,
)
from ..request_context import RequestContext
from ..topic_configs import TOPIC_CONFIGS, broker_default, parse, to_string


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


def _after_operations(ctx: RequestContext, rtype: int, name: str, res: dict):
    """The resource's current set (a topic's overrides, a broker resource's dynamic layer) with
    the request's operations applied."""
    settings = ctx.node.broker_settings()
    if rtype == TOPIC:
        if name not in ctx.node.metadata.topics:
            return None, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"Topic {name} does not exist"
        current, defs = ctx.node.topic_configs.get(name, {}), TOPIC_CONFIGS
    else:
        current, defs = ctx.node.broker_configs.get(name, {}), dynamic_broker_configs.RECONFIGURABLE
    return merged(current, res["configs"], defs, lambda d: broker_default(d, settings))


async def handle(ctx: RequestContext, req: dict) -> dict:
    return await alter_each(ctx, req, _after_operations)


API = Api(KEY, "IncrementalAlterConfigs", 0, 1, REQUEST, RESPONSE, handle)
