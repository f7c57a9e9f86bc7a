"""Dynamic broker configs (AlterConfigs / IncrementalAlterConfigs on a BROKER resource): a
per-broker layer (resource name "<node id>") and a cluster-wide default (resource name ""), kept
by the controller with the cluster state and published to every broker.

Which names may change, and at which level, is Kafka 3.7's DynamicBrokerConfig: AllDynamicConfigs
(the SSL keystore/truststore settings, LogCleaner's, DynamicLogConfig's topic-config defaults by
their highest-priority broker name, the thread pools, metric.reporters, DynamicListenerConfig's
listener/SSL/SASL/connection settings, SocketServer's connection limits, the producer-state and
remote-log settings). PerBrokerConfigs (the SSL settings and the listener settings except
max.connections, max.connection.creation.rate and num.network.threads) may not be set as the
cluster default. DescribeConfigs marks every other broker setting read-only (ConfigHelper).
Checks in Kafka's order (DynamicBrokerConfig.validateConfigs), with its words.

What a change does here: the topic-config defaults re-derive the default log config of every log
without a topic override; `listeners`, `advertised.listeners` and
`listener.security.protocol.map` of this broker are checked as Kafka's DynamicListenerConfig does
and applied by node.py (re-binding, re-registering: docs/broker.md "Dynamic broker configs").
The other accepted names are stored and described, not acted on (netlab has no SSL/SASL, thread
pools or connection limits to reconfigure; the same names given statically are not acted on
either).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .cluster.forwarding import forward
from .config import ConfigException, KafkaConfig, RequirementFailed, Setting, convert_setting, setting_for
from .kafka_broker_configs import BROKER_CONFIGS, LONG_MAX
from .protocol.errors import ErrorCode
from .topic_configs import TOPIC_CONFIGS, BrokerSettings, InvalidTopicConfig, broker_default, parse

# DynamicLogConfig.ReconfigurableConfigs: the first (highest-priority) broker synonym of each topic
# config → that topic config, except log.message.format.version (DynamicLogConfig.ExcludedConfigs:
# every broker must support the version first)
RECONFIGURABLE = {
    d.synonyms[0].name: d
    for d in TOPIC_CONFIGS.values()
    if d.synonyms and d.synonyms[0].name != "log.message.format.version"
}

# SslConfigs.RECONFIGURABLE_CONFIGS (DynamicBrokerConfig.DynamicSecurityConfigs)
SECURITY = frozenset(
    {
        "ssl.keystore.type",
        "ssl.keystore.location",
        "ssl.keystore.password",
        "ssl.key.password",
        "ssl.truststore.type",
        "ssl.truststore.location",
        "ssl.truststore.password",
        "ssl.keystore.certificate.chain",
        "ssl.keystore.key",
        "ssl.truststore.certificates",
    }
)
LOG_CLEANER = frozenset(  # LogCleaner.ReconfigurableConfigs
    {
        "log.cleaner.threads",
        "log.cleaner.dedupe.buffer.size",
        "log.cleaner.io.buffer.load.factor",
        "log.cleaner.io.buffer.size",
        "message.max.bytes",
        "log.cleaner.io.max.bytes.per.second",
        "log.cleaner.backoff.ms",
    }
)
THREAD_POOL = frozenset(  # DynamicThreadPool.ReconfigurableConfigs
    {"num.io.threads", "num.replica.fetchers", "num.recovery.threads.per.data.dir", "background.threads"}
)
LISTENER_CONFIGS = frozenset({"advertised.listeners", "listeners", "listener.security.protocol.map"})
LISTENER = LISTENER_CONFIGS | frozenset(  # DynamicListenerConfig.ReconfigurableConfigs
    {
        "principal.builder.class",
        "ssl.protocol",
        "ssl.provider",
        "ssl.cipher.suites",
        "ssl.enabled.protocols",
        "ssl.keystore.type",
        "ssl.keystore.location",
        "ssl.keystore.password",
        "ssl.key.password",
        "ssl.truststore.type",
        "ssl.truststore.location",
        "ssl.truststore.password",
        "ssl.keymanager.algorithm",
        "ssl.trustmanager.algorithm",
        "ssl.endpoint.identification.algorithm",
        "ssl.secure.random.implementation",
        "ssl.client.auth",
        "ssl.engine.factory.class",
        "sasl.mechanism.inter.broker.protocol",
        "sasl.jaas.config",
        "sasl.enabled.mechanisms",
        "sasl.kerberos.service.name",
        "sasl.kerberos.kinit.cmd",
        "sasl.kerberos.ticket.renew.window.factor",
        "sasl.kerberos.ticket.renew.jitter",
        "sasl.kerberos.min.time.before.relogin",
        "sasl.kerberos.principal.to.local.rules",
        "sasl.login.refresh.window.factor",
        "sasl.login.refresh.window.jitter",
        "sasl.login.refresh.min.period.seconds",
        "sasl.login.refresh.buffer.seconds",
        "max.connections",
        "max.connection.creation.rate",
        "num.network.threads",
    }
)
SOCKET_SERVER = frozenset(  # SocketServer.ReconfigurableConfigs
    {
        "max.connections.per.ip",
        "max.connections.per.ip.overrides",
        "max.connections",
        "max.connection.creation.rate",
    }
)
PRODUCER_STATE = frozenset({"producer.id.expiration.ms", "transaction.partition.verification.enable"})
REMOTE_LOG = frozenset({"remote.log.index.file.cache.total.size.bytes"})

ALL_DYNAMIC = (
    SECURITY
    | LOG_CLEANER
    | frozenset(RECONFIGURABLE)
    | THREAD_POOL
    | {"metric.reporters"}
    | LISTENER
    | SOCKET_SERVER
    | PRODUCER_STATE
    | REMOTE_LOG
)
# DynamicConfig.Broker's own keys (QuotaConfigs): the replication throttles, LONG, at least 0,
# default Long.MaxValue; dynamic-only, not KafkaConfig keys. Stored and described, not acted on.
BROKER_QUOTA = frozenset(
    {
        "leader.replication.throttled.rate",
        "follower.replication.throttled.rate",
        "replica.alter.log.dirs.io.max.bytes.per.second",
    }
)
CLUSTER_LEVEL_LISTENER = frozenset({"max.connections", "max.connection.creation.rate", "num.network.threads"})
PER_BROKER = (SECURITY | LISTENER) - CLUSTER_LEVEL_LISTENER
LISTENER_PREFIXED = re.compile(r"listener\.name\.[^.]*\.(.*)")  # DynamicBrokerConfig.ListenerConfigRegex


def read_only(name: str) -> bool:
    """ConfigHelper.createBrokerConfigEntry: read-only unless a dynamic config (by its exact name:
    a listener-prefixed key is read-only there too)."""
    return name not in ALL_DYNAMIC


def update_mode(name: str) -> str:
    """The "Dynamic Update Mode" Kafka's broker config page shows (DynamicBrokerConfig
    .dynamicConfigUpdateModes): per-broker, cluster-wide or read-only."""
    if name in PER_BROKER:
        return "per-broker"
    return "cluster-wide" if name in ALL_DYNAMIC else "read-only"


def _set(names) -> str:
    return f"Set({', '.join(sorted(names))})"


def _base(name: str) -> str:
    m = LISTENER_PREFIXED.fullmatch(name)
    return m[1] if m else name


def check(changes: Mapping[str, str | None], per_broker: bool) -> tuple[int, str | None]:
    """DynamicBrokerConfig.validateConfigs: non-dynamic names, bare security configs, types, and
    per-broker names at the cluster level. Non-dynamic means a KafkaConfig key outside
    DynamicConfig.Broker's (DynamicConfig.Broker.nonDynamicProps): any other name, listener-prefixed
    or custom, is accepted as Kafka accepts it (customPropsAllowed), and only the dynamic ones are
    type-checked, by their base name (validateConfigTypes)."""
    fixed = [k for k in changes if k in BROKER_CONFIGS and k not in ALL_DYNAMIC]
    if fixed:
        return ErrorCode.INVALID_REQUEST, f"Cannot update these configs dynamically: {_set(fixed)}"
    bare = [k for k in changes if k in SECURITY]
    if bare:
        return (
            ErrorCode.INVALID_REQUEST,
            "These security configs can be dynamically updated only per-listener using the listener "
            f"prefix: {_set(bare)}",
        )
    for name, value in changes.items():
        if value is None:
            continue
        base = _base(name)
        try:
            if base in RECONFIGURABLE:
                parse(RECONFIGURABLE[base], value, source_name=name)
            elif base in BROKER_QUOTA:
                convert_setting(Setting(base, "long", LONG_MAX, 0), value)
            elif base in ALL_DYNAMIC and (setting := setting_for(base)) is not None:
                convert_setting(setting, value)
        except (InvalidTopicConfig, ConfigException) as exc:
            return ErrorCode.INVALID_CONFIG, str(exc)
    if not per_broker:
        # DynamicBrokerConfig.perBrokerConfigs: the per-broker names, and listener-prefixed ones
        # unless their base is a cluster-level listener config
        at_broker = [
            k
            for k in changes
            if k in PER_BROKER or (k != _base(k) and _base(k) not in CLUSTER_LEVEL_LISTENER)
        ]
        if at_broker:
            return (
                ErrorCode.INVALID_REQUEST,
                f"Cannot update these configs at default cluster level, broker id must be specified: "
                f"{_set(at_broker)}",
            )
    return ErrorCode.NONE, None


def listener_config(static: Mapping[str, str], dynamic: Mapping[str, str]) -> KafkaConfig:
    """The broker's config with its per-broker dynamic listener settings over the static ones."""
    return KafkaConfig({**static, **{k: v for k, v in dynamic.items() if k in LISTENER_CONFIGS}})


def check_listeners(node, configs: Mapping[str, str]) -> tuple[int, str | None]:
    """DynamicListenerConfig.validateReconfiguration for this broker's own resource: the new
    config must be valid as a whole (advertised ⊆ listeners ⊆ the protocol map, the inter-broker
    listener advertised), an existing listener keeps its security protocol, and a KRaft broker's
    advertised endpoints (its registration) cannot change."""
    if not LISTENER_CONFIGS & set(configs):
        return ErrorCode.NONE, None
    old = node.config
    try:
        new = listener_config(old.raw, configs)
    except (ConfigException, RequirementFailed) as exc:
        return ErrorCode.INVALID_CONFIG, str(exc)
    for ep in new.listeners:
        before = old.protocol_map.get(ep.listener)
        if (
            any(e.listener == ep.listener for e in old.listeners)
            and new.protocol_map.get(ep.listener) != before
        ):
            return (
                ErrorCode.INVALID_CONFIG,
                f"Security protocol cannot be updated for existing listener {ep.listener}",
            )
    if old.kraft and advertised_of(new) != advertised_of(old):
        return (
            ErrorCode.INVALID_CONFIG,
            "Advertised listeners cannot be altered when using a Raft-based metadata quorum.",
        )
    return ErrorCode.NONE, None


def advertised_of(config: KafkaConfig) -> dict[str, tuple[str, int]]:
    return {e.listener: (e.host, e.port) for e in config.advertised}


def log_defaults(settings: BrokerSettings) -> dict[str, object]:
    """Topic-config-named defaults the dynamic layers change (for LogConfig.with_overrides)."""
    dynamic = {*settings.cluster, *settings.broker}
    return {
        d.name: broker_default(d, settings)
        for d in TOPIC_CONFIGS.values()
        if any(s.name in dynamic for s in d.synonyms)
    }


def resource_error(node, resource: str, metadata=None) -> tuple[int, str | None]:
    """Kafka's check of a BROKER resource name: "" (cluster default) or a registered broker id
    (in `metadata`: the controller's own view on the controller, else this broker's)."""
    if resource == "":
        return ErrorCode.NONE, None
    if not resource.isdigit() or int(resource) not in (metadata or node.metadata).brokers:
        return (
            ErrorCode.INVALID_REQUEST,
            f"Unexpected broker id, expected a registered broker or empty string, but received {resource}",
        )
    return ErrorCode.NONE, None


def _checks(node, resource: str, configs: dict[str, str], metadata=None):
    yield resource_error(node, resource, metadata)
    yield check(configs, per_broker=resource != "")
    if resource == str(node.node_id):
        yield check_listeners(node, configs)


def apply(node, controller, resource: str, configs: dict[str, str]) -> tuple[int, str | None]:
    """On the active controller: the resource's whole dynamic set."""
    for err, msg in _checks(node, resource, configs, controller.metadata):
        if err:
            return err, msg
    controller.set_broker_configs(resource, configs)
    return ErrorCode.NONE, None


async def change(node, resource: str, configs: dict[str, str], validate_only: bool) -> tuple[int, str | None]:
    for err, msg in _checks(node, resource, configs):
        if err:
            return err, msg
    if validate_only:
        return ErrorCode.NONE, None
    if node.controller is not None:
        return apply(node, node.controller, resource, configs)
    err, answer = await forward(node, "alter_broker_configs", {"resource": resource, "configs": configs})
    if err:
        return err, answer.get("error")
    return answer["error_code"], answer["error_message"]
