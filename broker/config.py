"""Kafka broker settings: names, defaults, types and the validation rules of KafkaConfig.

Values come from (lowest to highest precedence) defaults, a properties file, Docker-style
environment variables and `--override k=v`. Errors carry Kafka's exact messages; `broker.__main__`
logs them the way Kafka does and exits 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .kafka_broker_configs import BROKER_CONFIGS
from .listeners import (
    ConfigException,
    EndPoint,
    RequirementFailed,
    kraft_controller_protocols,
    parse_endpoints,
    parse_protocol_map,
    require,
    validate_listener_list,
)
from .topic_configs import BROKER_SYNONYMS

__all__ = ["KafkaConfig", "ConfigException", "RequirementFailed", "UnsupportedConfig", "SETTINGS"]


class UnsupportedConfig(Exception):
    """A configuration Kafka accepts but this broker refuses to run (KafkaConfig.unsupported_reasons)."""

    java_class = "broker.UnsupportedConfigurationException"


@dataclass(frozen=True)
class Setting:
    name: str
    type: str  # Kafka's ConfigDef type, lower-case: int, short, long, string, list, boolean, double, ...
    default: Any
    at_least: int | None = None


def _s(name: str, at_least: int | None = None) -> Setting:
    """A Kafka 3.7 broker config this broker acts on: type and default from Kafka's table
    (broker/kafka_broker_configs.py), the lower bound of its validator here."""
    d = BROKER_CONFIGS[name]
    return Setting(name, d.type.lower(), d.default, at_least)


# Settings this broker reads that Kafka 3.7's KafkaConfig does not define, and why they are here.
# DescribeConfigs lists them only when set, as Kafka lists any unknown key it was given.
NOT_IN_KAFKA_37 = {
    "controller.quorum.bootstrap.servers": "Kafka 3.8+ (KIP-853); read to refuse a dynamic quorum clearly",
    "cluster.id": "netlab's way to pass the id kafka-storage.sh format writes to meta.properties",
    "quota.producer.default": "Kafka before 3.0 (removed by KAFKA-12591); still honoured by broker/quotas.py",
    "quota.consumer.default": "Kafka before 3.0 (removed by KAFKA-12591); still honoured by broker/quotas.py",
}


def _extra(name: str, typ: str, default: Any, at_least: int | None = None) -> Setting:
    assert name in NOT_IN_KAFKA_37 and name not in BROKER_CONFIGS, name
    return Setting(name, typ, default, at_least)


_DEFS = [
    _s("node.id"),
    _s("broker.id"),
    _s("process.roles"),
    _s("controller.listener.names"),
    _s("controller.quorum.voters"),
    _extra("controller.quorum.bootstrap.servers", "list", ""),
    _s("controller.quorum.election.timeout.ms", 0),
    _s("controller.quorum.fetch.timeout.ms", 0),
    _s("controller.quorum.election.backoff.max.ms", 0),
    _s("controller.quorum.request.timeout.ms", 0),
    _s("metadata.log.dir"),
    _s("listeners"),
    _s("advertised.listeners"),
    _s("listener.security.protocol.map"),
    _s("inter.broker.listener.name"),
    _s("security.inter.broker.protocol"),
    _s("log.dirs"),
    _s("log.dir"),
    _s("num.partitions", 1),
    _s("default.replication.factor"),
    _s("auto.create.topics.enable"),
    _s("delete.topic.enable"),
    _s("log.segment.bytes", 14),
    _s("log.roll.ms"),
    _s("log.roll.hours", 1),
    _s("log.retention.bytes"),
    _s("log.retention.ms"),
    _s("log.retention.minutes"),
    _s("log.retention.hours"),
    _s("log.index.interval.bytes", 0),
    _s("log.flush.interval.messages", 1),
    _s("log.flush.interval.ms"),
    _s("socket.request.max.bytes", 1),
    _s("queued.max.request.bytes"),  # Kafka: -1 = no bound on request buffers
    _s("connections.max.idle.ms"),
    _s("message.max.bytes", 0),
    _extra("cluster.id", "string", None),
    _s("broker.rack"),
    _s("offsets.topic.num.partitions", 1),
    _s("offsets.topic.replication.factor", 1),
    _s("transaction.state.log.replication.factor", 1),
    _s("transaction.state.log.min.isr", 1),
    _s("transaction.state.log.num.partitions", 1),
    _s("transaction.state.log.segment.bytes", 1),
    _s("transaction.max.timeout.ms", 1),
    _s("transaction.abort.timed.out.transaction.cleanup.interval.ms", 1),
    _extra("quota.producer.default", "long", 2**63 - 1, 1),
    _extra("quota.consumer.default", "long", 2**63 - 1, 1),
    _s("quota.window.num", 1),
    _s("quota.window.size.seconds", 1),
    _s("log.cleaner.enable"),
    _s("log.cleanup.policy"),
    _s("log.cleaner.backoff.ms", 0),
    _s("log.cleaner.min.cleanable.ratio"),
    _s("log.cleaner.min.compaction.lag.ms", 0),
    _s("log.cleaner.max.compaction.lag.ms", 1),
    _s("log.cleaner.delete.retention.ms", 0),
    # the cleaner's key map (broker/log/cleaner.py); Kafka's names, defaults and lower bounds
    _s("log.cleaner.dedupe.buffer.size"),
    _s("log.cleaner.io.buffer.load.factor"),
    _s("log.cleaner.threads", 0),
    _s("min.insync.replicas", 1),
    _s("group.initial.rebalance.delay.ms", 0),
    _s("replica.fetch.wait.max.ms"),
    # fetch sessions (KIP-227, broker/fetch_sessions.py): Kafka's name, default and lower bound
    _s("max.incremental.fetch.session.cache.slots", 0),
    _s("num.network.threads", 1),
    _s("num.io.threads", 1),
    _s("zookeeper.connect"),
    # ZooKeeper mode (broker/zk/): Kafka 3.x's names and defaults
    _s("zookeeper.connection.timeout.ms"),
    _s("zookeeper.session.timeout.ms", 1),
    _s("zookeeper.max.in.flight.requests", 1),  # broker/zk/pipeline.py
    _s("reserved.broker.max.id", 0),
    _s("broker.id.generation.enable"),
    _s("log.retention.check.interval.ms", 1),
    _s("group.min.session.timeout.ms"),
    _s("group.max.session.timeout.ms"),
    _s("offset.metadata.max.bytes"),
    _s("offsets.topic.segment.bytes", 1),
    # cluster (broker/cluster/): registration, heartbeats, replication
    _s("broker.heartbeat.interval.ms", 1),
    _s("broker.session.timeout.ms", 1),
    _s("replica.lag.time.max.ms", 1),
    _s("replica.fetch.backoff.ms", 0),
    _s("replica.fetch.max.bytes", 0),
    _s("replica.socket.timeout.ms", 1),
    _s("request.timeout.ms", 0),
]
# Kafka settings we accept silently but do not act on (JVM/thread tuning and the like).
_ACCEPTED = {
    "socket.send.buffer.bytes",
    "socket.receive.buffer.bytes",
    "num.recovery.threads.per.data.dir",
    "num.replica.fetchers",
    "auto.leader.rebalance.enable",
    "confluent.support.metrics.enable",
    "unclean.leader.election.enable",
    "compression.type",
    "log.message.format.version",
    "inter.broker.protocol.version",
    "share.coordinator.state.topic.replication.factor",
    "share.coordinator.state.topic.min.isr",
    "control.plane.listener.name",
    "queued.max.requests",
}
# Every key Kafka 3.7's KafkaConfig defines is known (no "isn't a known config" warning for it).
_ACCEPTED |= set(BROKER_CONFIGS)
# Broker settings that provide topic-config defaults (log.cleaner.delete.retention.ms, ...):
# topic_configs reads them for DescribeConfigs and new topics.
_ACCEPTED |= BROKER_SYNONYMS
SETTINGS: dict[str, Setting] = {d.name: d for d in _DEFS}

_TYPE_NAMES = {"int": "INT", "short": "SHORT", "long": "LONG", "boolean": "BOOLEAN", "double": "DOUBLE"}
_LIMITS = {"short": 2**15, "int": 2**31, "long": 2**63}


def convert_setting(setting: Setting, raw: str) -> Any:
    """A setting's typed value, or ConfigException with Kafka's words (also for dynamic configs)."""
    return _convert(setting, raw)


def _convert(setting: Setting, raw: str) -> Any:
    v = raw.strip()
    if setting.type in _LIMITS:
        try:
            n = int(v)
        except ValueError:
            raise ConfigException(
                f"Invalid value {raw} for configuration {setting.name}: Not a number of type "
                f"{_TYPE_NAMES[setting.type]}"
            ) from None
        limit = _LIMITS[setting.type]
        if not -limit <= n < limit:
            raise ConfigException(
                f"Invalid value {raw} for configuration {setting.name}: Not a number of type "
                f"{_TYPE_NAMES[setting.type]}"
            )
        if setting.at_least is not None and n < setting.at_least:
            raise ConfigException(
                f"Invalid value {n} for configuration {setting.name}: Value must be at least "
                f"{setting.at_least}"
            )
        return n
    if setting.type == "boolean":
        if v.lower() not in ("true", "false"):
            raise ConfigException(
                f"Invalid value {raw} for configuration {setting.name}: Expected value to be either true or "
                "false"
            )
        return v.lower() == "true"
    if setting.type == "double":
        try:
            return float(v)
        except ValueError:
            raise ConfigException(
                f"Invalid value {raw} for configuration {setting.name}: Not a number of type DOUBLE"
            ) from None
    if setting.type == "list":
        return [x.strip() for x in v.split(",") if x.strip()]
    return v


def setting_for(name: str) -> Setting | None:
    """The setting this broker models, else Kafka's definition of the name (for type checks)."""
    if name in SETTINGS:
        return SETTINGS[name]
    d = BROKER_CONFIGS.get(name)
    return Setting(name, d.type.lower(), d.default) if d is not None else None


class KafkaConfig:
    """Typed view of the settings plus the derived listener facts, validated like Kafka 3.9."""

    def __init__(self, props: Mapping[str, str], *, warn: Callable[[str], None] | None = None):
        self.raw = dict(props)
        self.values: dict[str, Any] = {}
        for name, setting in SETTINGS.items():
            self.values[name] = _convert(setting, props[name]) if name in props else setting.default
        self.unknown = sorted(k for k in props if k not in SETTINGS and k not in _ACCEPTED)
        if warn:
            for k in self.unknown:
                warn(f"The configuration '{k}' was supplied but isn't a known config.")
        self._derive()
        self._validate()

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    # --- derived values ---
    def _derive(self) -> None:
        v = self.values
        self.process_roles = [r.lower() for r in v["process.roles"]]
        for role in self.process_roles:
            if role not in ("broker", "controller"):
                raise ConfigException(
                    f"Invalid value {self.raw['process.roles']} for configuration process.roles: "
                    f"Unknown process role '{role}' (must be a comma-separated list of 'broker' and "
                    "'controller')"
                )
        self.kraft = bool(self.process_roles)
        # ZooKeeper mode: brokers coordinate through ZooKeeper (broker/zk/); without it and without
        # process.roles this broker runs as a single node with its controller in-process
        self.zk_mode = not self.kraft and bool((v["zookeeper.connect"] or "").strip())
        node_id, broker_id = v["node.id"], v["broker.id"]
        if node_id == -1 and broker_id != -1:
            node_id = broker_id
        elif broker_id == -1 and node_id != -1:
            broker_id = node_id
        if node_id != broker_id:
            raise ConfigException("You must set `node.id` to the same value as `broker.id`.")
        self.node_id = node_id
        self.controller_listener_names = [
            x.strip().upper() for x in (v["controller.listener.names"] or "").split(",") if x.strip()
        ]
        self.protocol_map = parse_protocol_map(v["listener.security.protocol.map"])
        if self.kraft and "listener.security.protocol.map" not in self.raw:
            self.protocol_map = kraft_controller_protocols(
                self.protocol_map, self.controller_listener_names, v["listeners"]
            )
        self.listeners = parse_endpoints(v["listeners"], self.protocol_map)
        adv_raw = v["advertised.listeners"]
        if adv_raw is not None:
            self.advertised = parse_endpoints(adv_raw, self.protocol_map)
        else:
            self.advertised = [e for e in self.listeners if e.listener not in self.controller_listener_names]
        self.voters = self._parse_voters(v["controller.quorum.voters"])
        self.log_dirs = [Path(p.strip()) for p in (v["log.dirs"] or v["log.dir"]).split(",") if p.strip()]
        # KRaft's __cluster_metadata-0 lives in metadata.log.dir, by default the first log dir.
        # None only when no log dir is set, which validation below rejects.
        self.metadata_log_dir: Path | None = (
            Path(v["metadata.log.dir"])
            if v["metadata.log.dir"]
            else (self.log_dirs[0] if self.log_dirs else None)
        )
        if v["log.roll.ms"] is not None:
            self.roll_ms = v["log.roll.ms"]
        else:
            self.roll_ms = v["log.roll.hours"] * 3600 * 1000
        if v["log.retention.ms"] is not None:
            self.retention_ms = v["log.retention.ms"]
        elif v["log.retention.minutes"] is not None:
            self.retention_ms = v["log.retention.minutes"] * 60 * 1000
        else:
            self.retention_ms = v["log.retention.hours"] * 3600 * 1000

    @staticmethod
    def _parse_voters(entries: list[str]) -> dict[int, tuple[str, int]]:
        voters: dict[int, tuple[str, int]] = {}
        bad = ConfigException(
            "Invalid configuration value for controller.quorum.voters. "
            "Each entry should be in the form `{id}@{host}:{port}`."
        )
        for entry in entries:
            ident, at, addr = entry.partition("@")
            host, colon, port = addr.rpartition(":")
            if not at or not colon or not host:
                raise bad
            try:
                voters[int(ident)] = (host.strip("[]"), int(port))
            except ValueError:
                raise bad from None
        return voters

    def _inter_broker_listener(self) -> str:
        # KafkaConfig.interBrokerListenerNameAndSecurityProtocol: security.inter.broker.protocol
        # counts as given only when the properties name it (its default is PLAINTEXT)
        name, proto = self.values["inter.broker.listener.name"], self.values["security.inter.broker.protocol"]
        if name is not None and "security.inter.broker.protocol" in self.raw:
            raise ConfigException(
                "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set."
            )
        if name is not None:
            name = name.strip().upper()
            if name not in self.protocol_map:
                raise ConfigException(
                    f"Listener with name {name} defined in inter.broker.listener.name not found in "
                    f"listener.security.protocol.map."
                )
            return name
        return (proto or "PLAINTEXT").strip().upper()

    def _voter_set(self) -> str:
        return "Set(" + ", ".join(str(i) for i in self.voters) + ")"

    # --- KafkaConfig.validateValues, in Kafka's order ---
    def _validate(self) -> None:
        v = self.values
        validate_listener_list(self.listeners, v["listeners"], advertised=False)
        if v["advertised.listeners"] is not None:
            validate_listener_list(self.advertised, v["advertised.listeners"], advertised=True)
        self.inter_broker_listener = self._inter_broker_listener()
        if self.kraft and self.node_id < 0:
            raise ConfigException(
                "Missing configuration `node.id` which is required when `process.roles` is defined "
                "(i.e. when running in KRaft mode)."
            )
        if not self.kraft:
            require(
                self.node_id >= -1 and (not self.zk_mode or self.node_id <= v["reserved.broker.max.id"]),
                "broker.id must be greater than or equal to -1 and not greater than reserved.broker.max.id",
            )
        require(bool(self.log_dirs), "At least one log directory must be defined via log.dirs or log.dir.")
        require(
            v["log.cleaner.dedupe.buffer.size"] / max(v["log.cleaner.threads"], 1) > 1024 * 1024,
            "log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.",
        )
        adv_names = [e.listener for e in self.advertised]
        listener_names = [e.listener for e in self.listeners]
        roles = set(self.process_roles)
        cln = self.controller_listener_names
        if self.kraft and not self.voters and not v["controller.quorum.bootstrap.servers"]:
            raise ConfigException(
                "If using process.roles, either controller.quorum.bootstrap.servers must contain the set of "
                "bootstrap controllers or controller.quorum.voters must contain a parseable set of "
                "controllers."
            )
        if roles == {"broker"}:
            require(
                not any(n in cln for n in adv_names),
                (
                    "The advertised.listeners config must not contain KRaft controller listeners from "
                    "controller.listener.names when process.roles contains the broker role because Kafka "
                    "clients that send requests via advertised listeners do not send requests to KRaft "
                    "controllers -- they only send requests to KRaft brokers."
                ),
            )
            require(
                self.node_id not in self.voters,
                (
                    f"If process.roles contains just the 'broker' role, the node id {self.node_id} must not "
                    f"be included in the set of voters controller.quorum.voters={self._voter_set()}"
                ),
            )
            require(
                bool(cln),
                (
                    "controller.listener.names must contain at least one value when running KRaft with "
                    "just the broker role"
                ),
            )
            require(
                not any(n in cln for n in listener_names),
                (
                    "controller.listener.names must not contain a value appearing in the 'listeners' "
                    "configuration when running KRaft with just the broker role"
                ),
            )
        elif roles == {"controller"}:
            require(
                v["advertised.listeners"] is None,
                "The advertised.listeners config must be empty when process.roles=controller",
            )
            require(
                not self.advertised,
                (
                    "The listeners config must only contain KRaft controller listeners from "
                    "controller.listener.names when process.roles=controller"
                ),
            )
            self._validate_controller_role(listener_names)
        elif roles == {"broker", "controller"}:
            require(
                not any(n in cln for n in adv_names),
                (
                    "The advertised.listeners config must not contain KRaft controller listeners from "
                    "controller.listener.names when process.roles contains the broker role because Kafka "
                    "clients that send requests via advertised listeners do not send requests to KRaft "
                    "controllers -- they only send requests to KRaft brokers."
                ),
            )
            self._validate_controller_role(listener_names)
        if not roles or "broker" in roles:
            require(
                bool(adv_names),
                "There must be at least one broker advertised listener."
                + (
                    " Perhaps all listeners appear in controller.listener.names?" if "broker" in roles else ""
                ),
            )
            require(
                self.inter_broker_listener in adv_names,
                (
                    "inter.broker.listener.name must be a listener name defined in advertised.listeners. "
                    f"The valid options based on currently configured listeners are {','.join(adv_names)}"
                ),
            )
            require(
                set(adv_names) <= set(listener_names),
                (
                    "advertised.listeners listener names must be equal to or a subset of the ones defined in "
                    f"listeners. Found {','.join(adv_names)}. The valid options based on the current "
                    f"configuration are {','.join(listener_names)}"
                ),
            )
        require(
            not any(e.host == "0.0.0.0" for e in self.advertised),
            (
                "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP "
                "address."
            ),
        )

    def _validate_controller_role(self, listener_names: list[str]) -> None:
        require(
            not self.voters or self.node_id in self.voters,
            (
                f"If process.roles contains the 'controller' role, the node id {self.node_id} must be "
                f"included in the set of voters controller.quorum.voters={self._voter_set()}"
            ),
        )
        require(
            any(n in listener_names for n in self.controller_listener_names),
            (
                "controller.listener.names must contain at least one value appearing in the 'listeners' "
                "configuration when running the KRaft controller role"
            ),
        )
        require(
            all(n in listener_names for n in self.controller_listener_names),
            (
                "controller.listener.names must only contain values appearing in the 'listeners' "
                "configuration when running the KRaft controller role"
            ),
        )

    # --- what this broker can run (beyond Kafka's own rules) ---
    def unsupported_reasons(self) -> list[str]:
        """Configurations Kafka accepts but this broker refuses to start with (no silent fallback)."""
        out = []
        for e in self.listeners:
            if e.protocol != "PLAINTEXT":
                out.append(
                    f"Listener {e.listener} uses security protocol {e.protocol}, which this broker does "
                    f"not support (PLAINTEXT listeners only; no silent fallback)"
                )
        bootstrap = self.values["controller.quorum.bootstrap.servers"]
        if not self.voters and len(bootstrap) > 1 and "controller" in self.process_roles:
            out.append(
                f"controller.quorum.bootstrap.servers names {len(bootstrap)} controllers and "
                "controller.quorum.voters is empty: a dynamic KRaft quorum (KIP-853, formatted with "
                "--initial-controllers), which this broker does not run; list the voters in "
                "controller.quorum.voters (`{id}@{host}:{port}`)"
            )
        return out

    def endpoint_for(self, listener: str) -> EndPoint | None:
        return next((e for e in self.advertised if e.listener == listener), None)


def collect_props(file_text: str | None, env: Mapping[str, str], overrides: list[str]) -> dict[str, str]:
    """Defaults < file < environment (KAFKA_*, KAFKA_CFG_*) < --override k=v."""
    from .properties import parse_properties, settings_from_env

    props: dict[str, str] = {}
    if file_text is not None:
        props.update(parse_properties(file_text))
    props.update(settings_from_env(env))
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigException(f"Invalid override '{item}': expected key=value, e.g. --override node.id=1")
        props[key.strip()] = value
    return props
