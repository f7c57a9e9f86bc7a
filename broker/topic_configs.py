"""Kafka 3.7's topic-level configs: names, types, defaults, validators and broker synonyms.

The one table of topic configs. Facts from Kafka 3.7's `LogConfig` (storage module: the
`define(...)` calls give type, default and validator), `TopicConfig` (the names) and
`ServerTopicConfigSynonyms` (the broker settings that provide each default, highest priority
first, some in hours or minutes). Errors use ConfigDef's wording ("Invalid value X for
configuration Y: Value must be at least Z") so a client shows what Kafka would show.

Every config here is accepted, validated, stored and described; the log acts on the ones in
`broker.log.config.TOPIC_CONFIG_KEYS` (plus min.insync.replicas in the node). The rest
(cleanup.policy=compact, compression.type recompression, ...) are kept and reported but not acted
on yet: see docs/broker.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .log.config import TOPIC_CONFIG_KEYS

LONG_MAX = 2**63 - 1
INT_MAX = 2**31 - 1

# DescribeConfigsResponse ConfigType ids (org.apache.kafka.clients.admin.ConfigEntry.ConfigType)
CONFIG_TYPE_IDS = {
    "BOOLEAN": 1,
    "STRING": 2,
    "INT": 3,
    "SHORT": 4,
    "LONG": 5,
    "DOUBLE": 6,
    "LIST": 7,
    "CLASS": 8,
    "PASSWORD": 9,
}
# DescribeConfigsResponse ConfigSource ids
DYNAMIC_TOPIC_CONFIG, DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG = 1, 2, 3
STATIC_BROKER_CONFIG, DEFAULT_CONFIG = 4, 5


class InvalidTopicConfig(ValueError):
    """A topic config Kafka would refuse with INVALID_CONFIG; the text is Kafka's."""


@dataclass(frozen=True)
class Synonym:
    """A broker setting that provides a topic config's default; `scale` converts its unit to the
    topic config's (log.retention.hours → retention.ms: 3600000)."""

    name: str
    default: Any = None  # the broker setting's own default (None: no default entry)
    scale: int = 1


@dataclass(frozen=True)
class TopicConfigDef:
    name: str
    type: str  # BOOLEAN, STRING, INT, LONG, DOUBLE, LIST
    default: Any
    check: Callable[[Any], str | None] | None = None  # the validator: an error text or None
    synonyms: tuple[Synonym, ...] = ()


def at_least(n: float) -> Callable[[Any], str | None]:
    return lambda v: None if v >= n else f"Value must be at least {n}"


def between(lo: float, hi: float) -> Callable[[Any], str | None]:
    def check(v):
        if v < lo:
            return f"Value must be at least {lo}"
        return None if v <= hi else f"Value must be no more than {hi}"

    return check


def one_of(*allowed: str) -> Callable[[Any], str | None]:
    return lambda v: None if v in allowed else f"String must be one of: {', '.join(allowed)}"


def each_one_of(*allowed: str) -> Callable[[Any], str | None]:
    # ConfigDef.ValidList: every element must be one of the values
    def check(items):
        for item in items:
            if item not in allowed:
                return f"String must be one of: {', '.join(allowed)}"
        return None

    return check


_THROTTLED = re.compile(r"^\s*(\*|(\d+:\d+)(\s*,\s*\d+:\d+)*)?\s*$")


def throttled_replicas(items: list[str]) -> str | None:
    # kafka.server.ThrottledReplicaListValidator
    if _THROTTLED.match(",".join(items)):
        return None
    return (
        "must be the literal '*' or a list of replicas in the following format: "
        "[partitionId]:[brokerId],[partitionId]:[brokerId],..."
    )


_VERSION = re.compile(r"^(0\.(8\.[0-2]|9\.0|10\.[0-2]|11\.0)|[123]\.\d+)(\.\d+)?(-IV\d+)?$")


def metadata_version(v: str) -> str | None:
    # MetadataVersionValidator: a known release string (0.8.0 … 3.7-IV4)
    return None if _VERSION.match(v) else f"Version `{v}` is not a valid version"


def _log(name: str, default: Any = None, scale: int = 1) -> Synonym:
    return Synonym(f"log.{name}", default, scale)


HOUR, MINUTE = 3600 * 1000, 60 * 1000
COMPRESSION_TYPES = ("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")  # BrokerCompressionType

_DEFS = [
    TopicConfigDef(
        "cleanup.policy",
        "LIST",
        ["delete"],
        each_one_of("compact", "delete"),
        (_log("cleanup.policy", ["delete"]),),
    ),
    TopicConfigDef(
        "compression.type",
        "STRING",
        "producer",
        one_of(*COMPRESSION_TYPES),
        (Synonym("compression.type", "producer"),),
    ),
    TopicConfigDef(
        "delete.retention.ms", "LONG", 86400000, at_least(0), (_log("cleaner.delete.retention.ms", 86400000),)
    ),
    TopicConfigDef(
        "file.delete.delay.ms", "LONG", 60000, at_least(0), (_log("segment.delete.delay.ms", 60000),)
    ),
    TopicConfigDef(
        "flush.messages", "LONG", LONG_MAX, at_least(1), (_log("flush.interval.messages", LONG_MAX),)
    ),
    TopicConfigDef(
        "flush.ms",
        "LONG",
        LONG_MAX,
        at_least(0),
        (_log("flush.interval.ms"), _log("flush.scheduler.interval.ms", LONG_MAX)),
    ),
    TopicConfigDef("follower.replication.throttled.replicas", "LIST", [], throttled_replicas),
    TopicConfigDef("index.interval.bytes", "INT", 4096, at_least(0), (_log("index.interval.bytes", 4096),)),
    TopicConfigDef("leader.replication.throttled.replicas", "LIST", [], throttled_replicas),
    TopicConfigDef("local.retention.bytes", "LONG", -2, at_least(-2), (_log("local.retention.bytes", -2),)),
    TopicConfigDef("local.retention.ms", "LONG", -2, at_least(-2), (_log("local.retention.ms", -2),)),
    TopicConfigDef(
        "max.compaction.lag.ms",
        "LONG",
        LONG_MAX,
        at_least(1),
        (_log("cleaner.max.compaction.lag.ms", LONG_MAX),),
    ),
    TopicConfigDef(
        "max.message.bytes", "INT", 1048588, at_least(0), (Synonym("message.max.bytes", 1048588),)
    ),
    TopicConfigDef(
        "message.downconversion.enable", "BOOLEAN", True, None, (_log("message.downconversion.enable", True),)
    ),
    TopicConfigDef(
        "message.format.version",
        "STRING",
        "3.0-IV1",
        metadata_version,
        (_log("message.format.version", "3.0-IV1"),),
    ),
    TopicConfigDef(
        "message.timestamp.after.max.ms",
        "LONG",
        LONG_MAX,
        at_least(0),
        (_log("message.timestamp.after.max.ms", LONG_MAX),),
    ),
    TopicConfigDef(
        "message.timestamp.before.max.ms",
        "LONG",
        LONG_MAX,
        at_least(0),
        (_log("message.timestamp.before.max.ms", LONG_MAX),),
    ),
    TopicConfigDef(
        "message.timestamp.difference.max.ms",
        "LONG",
        LONG_MAX,
        at_least(0),
        (_log("message.timestamp.difference.max.ms", LONG_MAX),),
    ),
    TopicConfigDef(
        "message.timestamp.type",
        "STRING",
        "CreateTime",
        one_of("CreateTime", "LogAppendTime"),
        (_log("message.timestamp.type", "CreateTime"),),
    ),
    TopicConfigDef(
        "min.cleanable.dirty.ratio", "DOUBLE", 0.5, between(0, 1), (_log("cleaner.min.cleanable.ratio", 0.5),)
    ),
    TopicConfigDef(
        "min.compaction.lag.ms", "LONG", 0, at_least(0), (_log("cleaner.min.compaction.lag.ms", 0),)
    ),
    TopicConfigDef("min.insync.replicas", "INT", 1, at_least(1), (Synonym("min.insync.replicas", 1),)),
    TopicConfigDef("preallocate", "BOOLEAN", False, None, (_log("preallocate", False),)),
    TopicConfigDef("remote.storage.enable", "BOOLEAN", False),
    TopicConfigDef("retention.bytes", "LONG", -1, None, (_log("retention.bytes", -1),)),
    TopicConfigDef(
        "retention.ms",
        "LONG",
        168 * HOUR,
        at_least(-1),
        (_log("retention.ms"), _log("retention.minutes", None, MINUTE), _log("retention.hours", 168, HOUR)),
    ),
    TopicConfigDef("segment.bytes", "INT", 1 << 30, at_least(14), (_log("segment.bytes", 1 << 30),)),
    TopicConfigDef(
        "segment.index.bytes", "INT", 10485760, at_least(4), (_log("index.size.max.bytes", 10485760),)
    ),
    TopicConfigDef(
        "segment.jitter.ms",
        "LONG",
        0,
        at_least(0),
        (_log("roll.jitter.ms"), _log("roll.jitter.hours", 0, HOUR)),
    ),
    TopicConfigDef(
        "segment.ms", "LONG", 168 * HOUR, at_least(1), (_log("roll.ms"), _log("roll.hours", 168, HOUR))
    ),
    TopicConfigDef(
        "unclean.leader.election.enable",
        "BOOLEAN",
        False,
        None,
        (Synonym("unclean.leader.election.enable", False),),
    ),
]
TOPIC_CONFIGS: dict[str, TopicConfigDef] = {d.name: d for d in _DEFS}
# Broker settings that only matter as topic defaults (accepted by the broker's config parser).
BROKER_SYNONYMS = frozenset(s.name for d in _DEFS for s in d.synonyms)


def parse(d: TopicConfigDef, raw: Any, *, source_name: str | None = None) -> Any:
    """A config string as Kafka's ConfigDef.parseType reads it, then validated. The broker's own
    callers may pass typed values (an int segment.bytes for __consumer_offsets): read as text."""
    name = source_name or d.name
    if not isinstance(raw, str):
        raw = (
            ",".join(raw)
            if isinstance(raw, list | tuple)
            else str(raw).lower()
            if isinstance(raw, bool)
            else str(raw)
        )
    v = raw.strip()

    def bad(why: str) -> InvalidTopicConfig:
        return InvalidTopicConfig(f"Invalid value {raw} for configuration {name}: {why}")

    if d.type in ("INT", "LONG"):
        try:
            n = int(v)
        except ValueError:
            raise bad(f"Not a number of type {d.type}") from None
        limit = INT_MAX if d.type == "INT" else LONG_MAX
        if not -limit - 1 <= n <= limit:
            raise bad(f"Not a number of type {d.type}")
        value: Any = n
    elif d.type == "DOUBLE":
        try:
            value = float(v)
        except ValueError:
            raise bad("Not a number of type DOUBLE") from None
    elif d.type == "BOOLEAN":
        if v.lower() not in ("true", "false"):
            raise bad("Expected value to be either true or false")
        value = v.lower() == "true"
    elif d.type == "LIST":
        value = [x.strip() for x in v.split(",")] if v else []
    else:
        value = v
    if d.check is not None:
        why = d.check(value)
        if why:
            raise InvalidTopicConfig(f"Invalid value {v} for configuration {name}: {why}")
    return value


def to_string(d: TopicConfigDef, value: Any) -> str | None:
    """ConfigDef.convertToString."""
    if value is None:
        return None
    if d.type == "LIST":
        return ",".join(value)
    if d.type == "BOOLEAN":
        return "true" if value else "false"
    return str(value)


def validate_topic_configs(configs: Mapping[str, str | None] | None) -> dict[str, Any]:
    """Check a CreateTopics / AlterConfigs set as Kafka's controller does (LogConfig.validateNames,
    the ConfigDef types and validators, LogConfig.validateValues); returns the typed values."""
    out: dict[str, Any] = {}
    for name, raw in (configs or {}).items():
        d = TOPIC_CONFIGS.get(name)
        if d is None:
            raise InvalidTopicConfig(f"Unknown topic config name: {name}")
        if raw is None:
            raise InvalidTopicConfig(f"Null value not supported for topic configs: {name}")
        out[name] = parse(d, raw)
    lo = out.get("min.compaction.lag.ms", 0)
    hi = out.get("max.compaction.lag.ms", LONG_MAX)
    if lo > hi:
        raise InvalidTopicConfig(
            f"conflict topic config setting min.compaction.lag.ms ({lo}) > max.compaction.lag.ms ({hi})"
        )
    if out.get("remote.storage.enable"):
        # LogConfig.validateValuesInBroker: netlab has no remote log storage system
        raise InvalidTopicConfig(
            "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote "
            "log storage."
        )
    return out


class BrokerSettings(Mapping[str, str]):
    """The broker's settings as text, in Kafka's precedence: per-broker dynamic configs, then the
    cluster-wide dynamic default, then the static properties (AlterConfigs on a broker resource
    writes the dynamic layers; broker/dynamic_broker_configs.py)."""

    def __init__(
        self,
        static: Mapping[str, str],
        cluster: Mapping[str, str] | None = None,
        broker: Mapping[str, str] | None = None,
    ):
        self.static, self.cluster, self.broker = static, cluster or {}, broker or {}

    def layers(self) -> list[tuple[Mapping[str, str], int]]:
        return [
            (self.broker, DYNAMIC_BROKER_CONFIG),
            (self.cluster, DYNAMIC_DEFAULT_BROKER_CONFIG),
            (self.static, STATIC_BROKER_CONFIG),
        ]

    def __getitem__(self, key: str) -> str:
        for layer, _ in self.layers():
            if key in layer:
                return layer[key]
        raise KeyError(key)

    def __iter__(self):
        return iter({*self.broker, *self.cluster, *self.static})

    def __len__(self) -> int:
        return len({*self.broker, *self.cluster, *self.static})


def _layers(props: Mapping[str, str]) -> list[tuple[Mapping[str, str], int]]:
    return props.layers() if isinstance(props, BrokerSettings) else [(props, STATIC_BROKER_CONFIG)]


def _synonym_entries(d: TopicConfigDef, broker_props: Mapping[str, str]) -> list[dict]:
    """The broker settings behind a topic config, as Kafka's ConfigHelper lists them: per-broker
    dynamic, cluster-wide dynamic, static (each as configured, in its own unit), then defaults."""
    out = [
        {"name": s.name, "value": str(layer[s.name]), "source": source}
        for layer, source in _layers(broker_props)
        for s in d.synonyms
        if s.name in layer
    ]
    for s in d.synonyms:
        if s.default is not None:
            out.append({"name": s.name, "value": to_string(d, s.default), "source": DEFAULT_CONFIG})
    return out


def broker_default(d: TopicConfigDef, broker_props: Mapping[str, str]) -> Any:
    """The value a topic without an override gets: the first synonym the broker sets (scaled),
    else the first synonym default, else LogConfig's default."""
    for s in d.synonyms:
        if s.name in broker_props:
            return _scaled(parse(d, str(broker_props[s.name]), source_name=s.name), s.scale)
    for s in d.synonyms:
        if s.default is not None:
            return _scaled(s.default, s.scale)
    return d.default


def _scaled(v: Any, scale: int) -> Any:
    return v * scale if scale != 1 else v


def describe(overrides: Mapping[str, Any], broker_props: Mapping[str, str]) -> list[dict]:
    """Every topic config with its value, source, type and synonyms (DescribeConfigs and the
    CreateTopics v5+ answer), as Kafka's ConfigHelper.createTopicConfigEntry builds them."""
    out = []
    for name in sorted(TOPIC_CONFIGS):
        d = TOPIC_CONFIGS[name]
        synonyms = _synonym_entries(d, broker_props)
        if name in overrides:
            value = parse(d, overrides[name])
            synonyms.insert(0, {"name": name, "value": to_string(d, value), "source": DYNAMIC_TOPIC_CONFIG})
        else:
            value = broker_default(d, broker_props)
        out.append(
            {
                "name": name,
                "value": to_string(d, value),
                "read_only": False,
                "config_source": synonyms[0]["source"] if synonyms else DEFAULT_CONFIG,
                "is_default": name not in overrides,
                "is_sensitive": False,
                "synonyms": synonyms,
                "config_type": CONFIG_TYPE_IDS[d.type],
                "documentation": None,
            }
        )
    return out


def log_overrides(configs: Mapping[str, Any] | None) -> dict | None:
    """The overrides the partition log acts on (broker.log.config names); the others are stored
    and described only."""
    out = {k: v for k, v in (configs or {}).items() if k in TOPIC_CONFIG_KEYS}
    return out or None


def broker_synonym_chain(broker_name: str) -> list[str]:
    """A broker setting and the lower-priority settings that stand in for it
    (DynamicBrokerConfig.brokerConfigSynonyms: log.retention.ms → minutes → hours)."""
    for d in _DEFS:
        names = [s.name for s in d.synonyms]
        if broker_name in names:
            return names[names.index(broker_name) :]
    return [broker_name]


def effective(name: str, overrides: Mapping[str, Any], broker_props: Mapping[str, str]) -> Any:
    """A topic's value for one config, typed: its override, else the broker's default for it."""
    d = TOPIC_CONFIGS[name]
    if name in overrides:
        return parse(d, overrides[name])
    return broker_default(d, broker_props)
