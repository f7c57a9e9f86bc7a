"""AlterConfigs (key 33), v0–2, the legacy form: a topic's overrides become exactly the given set
(names left out are removed; a null value removes it too), checked and applied as CreateTopics'
are (broker/topic_config_changes.py); for a broker resource ("" = cluster default, or a broker id)
the same for its dynamic configs (broker/dynamic_broker_configs.py). The per-resource loop is
broker/config_alteration.py, shared with IncrementalAlterConfigs."""

from __future__ import annotations

from ..config_alteration import alter_each
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.alter_configs import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


def _given_set(ctx: RequestContext, rtype: int, name: str, res: dict):
    return {c["name"]: c["value"] for c in res["configs"] if c["value"] is not None}, ErrorCode.NONE, None


async def handle(ctx: RequestContext, req: dict) -> dict:
    return await alter_each(ctx, req, _given_set)


API = Api(KEY, "AlterConfigs", 0, 2, REQUEST, RESPONSE, handle)
