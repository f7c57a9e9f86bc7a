"""DescribeConfigs entries of a BROKER resource, as Kafka 3.7's ConfigHelper builds them
(createResponseConfig + createBrokerConfigEntry + configSynonyms).

For a broker id: every public key of Kafka's broker ConfigDef (broker/kafka_broker_configs.py)
plus every key the broker was given (static properties, cluster-wide and per-broker dynamic
configs; ConfigHelper.allConfigs = originals ++ nonInternalValues). For "" (the cluster-wide
default): only the keys of the cluster-wide dynamic layer, their synonyms limited to that layer.

Each entry: the value (null when sensitive), its source (the first synonym's), its synonyms
(DynamicBrokerConfig.brokerConfigSynonyms: the name, then the lower-priority names standing in
for it; a listener-prefixed name, then its base name), read_only (not in
DynamicBrokerConfig.AllDynamicConfigs), is_sensitive (KafkaConfig.maybeSensitive: a PASSWORD,
or a key whose type Kafka cannot tell) and config_type. Kafka lists the entries in its hash map's
order; here they are sorted by name.
"""

from __future__ import annotations

from collections.abc import Iterable

from .config import ConfigException, convert_setting, setting_for
from .dynamic_broker_configs import BROKER_QUOTA, LISTENER_PREFIXED, read_only
from .kafka_broker_configs import BROKER_CONFIGS, PUBLIC_CONFIGS, to_string
from .topic_configs import (
    CONFIG_TYPE_IDS,
    DEFAULT_CONFIG,
    DYNAMIC_DEFAULT_BROKER_CONFIG,
    BrokerSettings,
    broker_synonym_chain,
)

# DynamicBrokerConfig.ListenerMechanismConfigs: given as listener.name.<l>.<mechanism>.<name>
_MECHANISM_CONFIGS = (
    "sasl.jaas.config",
    "sasl.login.callback.handler.class",
    "sasl.login.class",
    "sasl.server.callback.handler.class",
    "connections.max.reauth.ms",
)


def synonyms_of(name: str) -> list[str]:
    """DynamicBrokerConfig.brokerConfigSynonyms(name, matchListenerOverride = true), from `name` on."""
    m = LISTENER_PREFIXED.fullmatch(name)
    if m:
        base = next((c for c in _MECHANISM_CONFIGS if m[1].endswith(c)), m[1])
        return [name, base]
    return broker_synonym_chain(name)


def config_type(name: str) -> str | None:
    """KafkaConfig.configType: the name's ConfigDef type (KafkaConfig's, or DynamicConfig.Broker's
    for the throttles), else its synonyms' (None: unknown)."""
    if name in BROKER_QUOTA:
        return "LONG"
    return next((BROKER_CONFIGS[n].type for n in synonyms_of(name) if n in BROKER_CONFIGS), None)


def _default_layer() -> dict[str, str]:
    # DynamicBrokerConfig.staticDefaultConfigs: the defaults that are not null, as text
    out = {}
    for d in BROKER_CONFIGS.values():
        text = to_string(d, d.default)
        if text is not None:
            out[d.name] = text
    return out


_DEFAULTS = _default_layer()


def _as_kafka_prints(name: str, raw: str) -> str:
    """A configured value as Kafka describes it: a KafkaConfig key's parsed value printed back
    (ConfigDef.convertToString); any other key (listener-prefixed, custom) as given (originals)."""
    d, setting = BROKER_CONFIGS.get(name), setting_for(name)
    if d is None or setting is None or d.type in ("STRING", "PASSWORD", "CLASS"):
        return raw
    try:
        return to_string(d, convert_setting(setting, raw)) or raw
    except ConfigException:
        return raw


def _entry(name: str, settings: BrokerSettings, per_broker: bool) -> dict:
    typ = config_type(name)
    sensitive = typ is None or typ == "PASSWORD"
    chain = synonyms_of(name)
    layers = [*settings.layers(), (_DEFAULTS, DEFAULT_CONFIG)]
    synonyms = [
        {"name": n, "value": None if sensitive else layer[n], "source": source}
        for layer, source in layers
        for n in chain
        if n in layer
    ]
    if not per_broker:
        synonyms = [s for s in synonyms if s["source"] == DYNAMIC_DEFAULT_BROKER_CONFIG]
    source = synonyms[0]["source"] if synonyms else DEFAULT_CONFIG
    if per_broker:
        own = next((layer[name] for layer, _ in settings.layers() if name in layer), None)
        value = _DEFAULTS.get(name) if own is None else _as_kafka_prints(name, own)
    else:
        value = settings.cluster[name]
    return {
        "name": name,
        "value": None if sensitive else value,
        "read_only": read_only(name),
        "config_source": source,
        "is_default": source == DEFAULT_CONFIG,
        "is_sensitive": sensitive,
        "synonyms": synonyms,
        "config_type": CONFIG_TYPE_IDS.get(typ, 0) if typ else 0,
        "documentation": None,
    }


def _names(settings: BrokerSettings) -> Iterable[str]:
    return sorted({*PUBLIC_CONFIGS, *settings.static, *settings.cluster, *settings.broker})


def _populate_synonyms(settings: BrokerSettings) -> BrokerSettings:
    """KafkaConfig.populateSynonyms: node.id and broker.id stand for each other in the originals."""
    static = dict(settings.static)
    for given, other in (("node.id", "broker.id"), ("broker.id", "node.id")):
        if given in static and other not in static:
            static[other] = static[given]
    return BrokerSettings(static, settings.cluster, settings.broker)


def broker_entries(settings: BrokerSettings) -> list[dict]:
    """DescribeConfigs BROKER <this broker's id>."""
    settings = _populate_synonyms(settings)
    return [_entry(n, settings, per_broker=True) for n in _names(settings)]


def cluster_default_entries(settings: BrokerSettings) -> list[dict]:
    """DescribeConfigs BROKER "": the cluster-wide dynamic defaults only."""
    return [_entry(n, settings, per_broker=False) for n in sorted(settings.cluster)]
