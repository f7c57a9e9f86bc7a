"""DescribeConfigs (key 32), v0–4: broker settings (as configured, with their sources) and every
Kafka 3.7 topic config (broker/topic_configs.py) with its source, type and synonyms."""

from __future__ import annotations

from ..acls import DESCRIBE_CONFIGS, config_denied
from ..config import SETTINGS
from ..dynamic_broker_configs import RECONFIGURABLE, read_only
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.describe_configs import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..topic_configs import CONFIG_TYPE_IDS, DYNAMIC_DEFAULT_BROKER_CONFIG, broker_synonym_chain
from ..topic_configs import describe as describe_topic

TOPIC, BROKER = 2, 4
STATIC_BROKER_CONFIG, DEFAULT_CONFIG = 4, 5


_TYPE_IDS = {"int": 3, "long": 5, "string": 2, "list": 7, "boolean": 1, "double": 6}


def _str(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, list):
        return ",".join(v)
    return str(v).lower() if isinstance(v, bool) else str(v)


def _broker_entries(ctx: RequestContext) -> list[dict]:
    """Each broker setting with its synonyms as Kafka's ConfigHelper lists them: the setting and
    its lower-priority stand-ins, per-broker dynamic, cluster-wide dynamic and static entries, then
    defaults; the value and source are the first synonym's. Kafka's dynamic configs
    (broker/dynamic_broker_configs.py, DynamicBrokerConfig.AllDynamicConfigs) are not read-only."""
    cfg, settings = ctx.node.config, ctx.node.broker_settings()
    out = []
    for name in sorted(SETTINGS):
        chain = [n for n in broker_synonym_chain(name) if n in SETTINGS]
        synonyms = [
            {"name": n, "value": layer[n], "source": source}
            for layer, source in settings.layers()
            for n in chain
            if n in layer
        ]
        synonyms += [
            {"name": n, "value": _str(SETTINGS[n].default), "source": DEFAULT_CONFIG}
            for n in chain
            if SETTINGS[n].default is not None
        ]
        source = synonyms[0]["source"] if synonyms else DEFAULT_CONFIG
        dynamic = settings.broker.get(name, settings.cluster.get(name))
        out.append(
            {
                "name": name,
                "value": dynamic if dynamic is not None else _str(cfg[name]),
                "read_only": read_only(name),
                "config_source": source,
                "is_default": source == DEFAULT_CONFIG,
                "synonyms": synonyms,
                "config_type": _TYPE_IDS.get(SETTINGS[name].type, 0),
            }
        )
    return out


def _cluster_default_entries(ctx: RequestContext) -> list[dict]:
    """BROKER resource "": only the cluster-wide dynamic defaults, as Kafka answers it."""
    out = []
    for name, value in sorted(ctx.node.broker_configs.get("", {}).items()):
        d = RECONFIGURABLE.get(name)
        source = DYNAMIC_DEFAULT_BROKER_CONFIG
        out.append(
            {
                "name": name,
                "value": value,
                "read_only": False,
                "config_source": source,
                "is_default": False,
                "synonyms": [{"name": name, "value": value, "source": source}],
                "config_type": CONFIG_TYPE_IDS[d.type]
                if d is not None
                else _TYPE_IDS.get(SETTINGS[name].type if name in SETTINGS else "string", 0),
            }
        )
    return out


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
                base["configs"] = _cluster_default_entries(ctx)
            elif rname != str(ctx.node.node_id):
                base.update(
                    error_code=ErrorCode.INVALID_REQUEST,
                    error_message=f"Unexpected broker id, expected {ctx.node.node_id} or empty string, "
                    f"but received {rname}",
                )
            else:
                base["configs"] = _broker_entries(ctx)
        else:
            base.update(
                error_code=ErrorCode.INVALID_REQUEST, error_message=f"Unsupported resource type {rtype}"
            )
        if keys is not None:
            base["configs"] = [c for c in base["configs"] if c["name"] in keys]
        if not req["include_synonyms"]:
            for c in base["configs"]:
                c["synonyms"] = []
        results.append(base)
    return {"throttle_time_ms": 0, "results": results}


API = Api(KEY, "DescribeConfigs", 0, 4, REQUEST, RESPONSE, handle)
