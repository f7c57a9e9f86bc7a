"""DescribeConfigs (key 32), v0–4: every Kafka 3.7 broker config (broker/broker_config_entries.py)
and every Kafka 3.7 topic config (broker/topic_configs.py) with its source, type and synonyms."""

from __future__ import annotations

from ..acls import DESCRIBE_CONFIGS, config_denied
from ..broker_config_entries import broker_entries, cluster_default_entries
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.describe_configs import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..topic_configs import describe as describe_topic

TOPIC, BROKER = 2, 4


async def handle(ctx: RequestContext, req: dict) -> dict:
    results = []
    for res in req["resources"]:
        rtype, rname, keys = res["resource_type"], res["resource_name"], res["configuration_keys"]
        base = {
            "resource_type": rtype,
            "resource_name": rname,
            "error_code": ErrorCode.NONE,
            "error_message": None,
            "configs": [],
        }
        denied = config_denied(ctx, DESCRIBE_CONFIGS, rtype, rname)
        if denied:
            base.update(error_code=denied[0], error_message=denied[1])
        elif rtype == TOPIC:
            if rname not in ctx.node.metadata.topics:
                base.update(
                    error_code=ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                    error_message=f"Topic {rname} does not exist",
                )
            else:
                base["configs"] = describe_topic(
                    ctx.node.topic_configs.get(rname, {}), ctx.node.broker_settings()
                )
        elif rtype == BROKER:
            if rname == "":
                base["configs"] = cluster_default_entries(ctx.node.broker_settings())
            elif rname != str(ctx.node.node_id):
                base.update(
                    error_code=ErrorCode.INVALID_REQUEST,
                    error_message=f"Unexpected broker id, expected {ctx.node.node_id} or empty string, "
                    f"but received {rname}",
                )
            else:
                base["configs"] = broker_entries(ctx.node.broker_settings())
        else:
            base.update(
                error_code=ErrorCode.INVALID_REQUEST, error_message=f"Unsupported resource type {rtype}"
            )
        if keys:  # ConfigHelper.createResponseConfig: null or empty asks for every config
            base["configs"] = [c for c in base["configs"] if c["name"] in keys]
        if not req["include_synonyms"]:
            for c in base["configs"]:
                c["synonyms"] = []
        results.append(base)
    return {"throttle_time_ms": 0, "results": results}


API = Api(KEY, "DescribeConfigs", 0, 4, REQUEST, RESPONSE, handle)
