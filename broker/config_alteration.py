"""The per-resource loop AlterConfigs (key 33) and IncrementalAlterConfigs (key 44) share: each
resource is authorized (ALTER_CONFIGS), its new config set is worked out by the API's own rule
(the legacy replace-all, or the incremental operations), then checked and applied as a topic's
overrides (broker/topic_config_changes.py) or a broker resource's dynamic configs
(broker/dynamic_broker_configs.py); one response entry per resource, in request order."""

from __future__ import annotations

from collections.abc import Callable

from . import dynamic_broker_configs, topic_config_changes
from .acls import ALTER_CONFIGS, config_denied
from .protocol.errors import ErrorCode
from .request_context import RequestContext

TOPIC, BROKER = 2, 4  # ConfigResource.Type

# (ctx, resource type, resource name, the request's resource entry) -> (new configs, error, message)
NewConfigs = Callable[[RequestContext, int, str, dict], tuple["dict[str, str] | None", int, "str | None"]]


async def _alter_one(ctx: RequestContext, res: dict, validate_only: bool, new_configs: NewConfigs):
    rtype, name = res["resource_type"], res["resource_name"]
    denied = config_denied(ctx, ALTER_CONFIGS, rtype, name)
    if denied:
        return denied
    if rtype not in (TOPIC, BROKER):
        return ErrorCode.INVALID_REQUEST, f"Unsupported resource type {rtype}"
    configs, err, msg = new_configs(ctx, rtype, name, res)
    if configs is None:
        return err, msg
    if rtype == TOPIC:
        return await topic_config_changes.change(ctx.node, name, configs, validate_only)
    return await dynamic_broker_configs.change(ctx.node, name, configs, validate_only)


async def alter_each(ctx: RequestContext, req: dict, new_configs: NewConfigs) -> dict:
    out = []
    for res in req["resources"]:
        err, msg = await _alter_one(ctx, res, req["validate_only"], new_configs)
        out.append(
            {
                "error_code": err,
                "error_message": msg,
                "resource_type": res["resource_type"],
                "resource_name": res["resource_name"],
            }
        )
    return {"throttle_time_ms": 0, "responses": out}
