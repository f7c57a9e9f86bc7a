"""DescribeConfigs (key 32), v1–4: broker settings (as configured, with their sources) and topic
settings (defaults from the broker plus the topic's overrides)."""

from __future__ import annotations

from ..config import SETTINGS
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import BOOL, INT8, INT16, INT32, STRING, Array, F, Message, Struct
from ..request_context import RequestContext

KEY = 32
TOPIC, BROKER = 2, 4
DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG = 1, 4, 5

REQUEST = Message(
    Struct(
        F(
            "resources",
            Array(
                Struct(
                    F("resource_type", INT8),
                    F("resource_name", STRING),
                    F("configuration_keys", Array(STRING), null=0),
                )
            ),
        ),
        F("include_synonyms", BOOL, 1),
        F("include_documentation", BOOL, 3),
    ),
    first_flexible=4,
)

_SYNONYM = Struct(F("name", STRING, 1), F("value", STRING, 1, null=0), F("source", INT8, 1))
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "results",
            Array(
                Struct(
                    F("error_code", INT16),
                    F("error_message", STRING, null=0),
                    F("resource_type", INT8),
                    F("resource_name", STRING),
                    F(
                        "configs",
                        Array(
                            Struct(
                                F("name", STRING),
                                F("value", STRING, null=0),
                                F("read_only", BOOL),
                                F("config_source", INT8, 1, default=-1),
                                F("is_sensitive", BOOL),
                                F("synonyms", Array(_SYNONYM), 1),
                                F("config_type", INT8, 3),
                                F("documentation", STRING, 3, null=0),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=4,
)

# Topic-level settings and the broker settings that provide their defaults.
_TOPIC_DEFAULTS = {
    "cleanup.policy": (None, "delete"),
    "compression.type": (None, "producer"),
    "max.message.bytes": ("message.max.bytes", None),
    "message.timestamp.type": (None, "CreateTime"),
    "min.insync.replicas": ("min.insync.replicas", None),
    "retention.bytes": ("log.retention.bytes", None),
    "retention.ms": (None, None),
    "segment.bytes": ("log.segment.bytes", None),
    "segment.ms": (None, None),
    "index.interval.bytes": ("log.index.interval.bytes", None),
}


def _str(v) -> str | None:
    if v is None:
        return None
    return str(v).lower() if isinstance(v, bool) else str(v)


def _broker_entries(ctx: RequestContext) -> list[dict]:
    cfg = ctx.node.config
    out = []
    for name in sorted(SETTINGS):
        source = STATIC_BROKER_CONFIG if name in cfg.raw else DEFAULT_CONFIG
        out.append({"name": name, "value": _str(cfg[name]), "read_only": True, "config_source": source})
    return out


def _topic_entries(ctx: RequestContext, topic: str) -> list[dict]:
    cfg = ctx.node.config
    overrides = ctx.node.topic_configs.get(topic, {})
    out = []
    for name, (broker_key, fixed) in sorted(_TOPIC_DEFAULTS.items()):
        if name == "retention.ms":
            value = cfg.retention_ms
        elif name == "segment.ms":
            value = cfg.roll_ms
        else:
            value = cfg[broker_key] if broker_key else fixed
        source = DEFAULT_CONFIG
        if name in overrides:
            value, source = overrides[name], DYNAMIC_TOPIC_CONFIG
        elif broker_key and broker_key in cfg.raw:
            source = STATIC_BROKER_CONFIG
        out.append({"name": name, "value": _str(value), "read_only": False, "config_source": source})
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
        if rtype == TOPIC:
            if rname not in ctx.node.metadata.topics:
                base.update(
                    error_code=ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                    error_message=f"Topic {rname} does not exist",
                )
            else:
                base["configs"] = _topic_entries(ctx, rname)
        elif rtype == BROKER:
            if rname not in ("", str(ctx.node.node_id)):
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
        results.append(base)
    return {"throttle_time_ms": 0, "results": results}


API = Api(KEY, "DescribeConfigs", 1, 4, REQUEST, RESPONSE, handle)
