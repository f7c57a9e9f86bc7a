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
    type: str  # int, long, string, list, boolean, double
    default: Any
    at_least: int | None = None


def _s(name, typ, default, at_least=None) -> Setting:
    return Setting(name, typ, default, at_least)


_DEFS = [
    _s("node.id", "int", -1),
    _s("broker.id", "int", -1),
    _s("process.roles", "list", ""),
    _s("controller.listener.names", "string", None),
    _s("controller.quorum.voters", "list", ""),
    _s("controller.quorum.bootstrap.servers", "list", ""),
    _s("controller.quorum.election.timeout.ms", "int", 1000, 0),
    _s("controller.quorum.fetch.timeout.ms", "int", 2000, 0),
    _s("controller.quorum.election.backoff.max.ms", "int", 1000, 0),
    _s("controller.quorum.request.timeout.ms", "int", 2000, 0),
    _s("metadata.log.dir", "string", None),
    _s("listeners", "string", "PLAINTEXT://:9092"),
    _s("advertised.listeners", "string", None),
    _s(
        "listener.security.protocol.map",
        "string",
        "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
    ),
    _s("inter.broker.listener.name", "string", None),
    _s("security.inter.broker.protocol", "string", None),
    _s("log.dirs", "string", None),
    _s("log.dir", "string", "/tmp/kafka-logs"),
    _s("num.partitions", "int", 1, 1),
    _s("default.replication.factor", "int", 1),
    _s("auto.create.topics.enable", "boolean", True),
    _s("delete.topic.enable", "boolean", True),
    _s("log.segment.bytes", "int", 1073741824, 14),
    _s("log.roll.ms", "long", None),
    _s("log.roll.hours", "int", 168, 1),
    _s("log.retention.bytes", "long", -1),
    _s("log.retention.ms", "long", None),
    _s("log.retention.minutes", "int", None),
    _s("log.retention.hours", "int", 168),
    _s("log.index.interval.bytes", "int", 4096, 0),
    _s("log.flush.interval.messages", "long", None, 1),
    _s("log.flush.interval.ms", "long", None),
    _s("socket.request.max.bytes", "int", 104857600, 1),
    _s("queued.max.request.bytes", "long", -1),  # Kafka: -1 = no bound on request buffers
    _s("connections.max.idle.ms", "long", 600000),
    _s("message.max.bytes", "int", 1048588, 0),
    _s("cluster.id", "string", None),
    _s("broker.rack", "string", None),
    _s("offsets.topic.num.partitions", "int", 50, 1),
    _s("offsets.topic.replication.factor", "int", 3, 1),
    _s("transaction.state.log.replication.factor", "int", 3, 1),
    _s("transaction.state.log.min.isr", "int", 2, 1),
    _s("transaction.state.log.num.partitions", "int", 50, 1),
    _s("transaction.state.log.segment.bytes", "int", 104857600, 1),
    _s("transaction.max.timeout.ms", "int", 900000, 1),
    _s("transaction.abort.timed.out.transaction.cleanup.interval.ms", "int", 10000, 1),
    _s("quota.producer.default", "long", 2**63 - 1, 1),
    _s("quota.consumer.default", "long", 2**63 - 1, 1),
    _s("quota.window.num", "int", 11, 1),
    _s("quota.window.size.seconds", "int", 1, 1),
    _s("log.cleaner.enable", "boolean", True),
    _s("log.cleanup.policy", "list", "delete"),
    _s("log.cleaner.backoff.ms", "long", 15000, 0),
    _s("log.cleaner.min.cleanable.ratio", "double", "0.5"),
    _s("log.cleaner.min.compaction.lag.ms", "long", 0, 0),
    _s("log.cleaner.max.compaction.lag.ms", "long", 2**63 - 1, 1),
    _s("log.cleaner.delete.retention.ms", "long", 86400000, 0),
    # the cleaner's key map (broker/log/cleaner.py); Kafka's names, defaults and lower bounds
    _s("log.cleaner.dedupe.buffer.size", "long", 134217728),
    _s("log.cleaner.io.buffer.load.factor", "double", "0.9"),
    _s("log.cleaner.threads", "int", 1, 0),
    _s("min.insync.replicas", "int", 1, 1),
    _s("group.initial.rebalance.delay.ms", "int", 3000, 0),
    _s("replica.fetch.wait.max.ms", "int", 500),
    # fetch sessions (KIP-227, broker/fetch_sessions.py): Kafka's name, default and lower bound
    _s("max.incremental.fetch.session.cache.slots", "int", 1000, 0),
    _s("num.network.threads", "int", 3, 1),
    _s("num.io.threads", "int", 8, 1),
    _s("zookeeper.connect", "string", None),
    # ZooKeeper mode (broker/zk/): Kafka 3.x's names and defaults
    _s("zookeeper.connection.timeout.ms", "int", None),
    _s("zookeeper.session.timeout.ms", "int", 18000, 1),
    _s("zookeeper.max.in.flight.requests", "int", 10, 1),
    _s("reserved.broker.max.id", "int", 1000, 0),
    _s("broker.id.generation.enable", "boolean", True),
    _s("log.retention.check.interval.ms", "long", 300000, 1),
    _s("group.min.session.timeout.ms", "int", 6000),
    _s("group.max.session.timeout.ms", "int", 1800000),
    _s("offset.metadata.max.bytes", "int", 4096),
    _s("offsets.topic.segment.bytes", "int", 104857600, 1),
    # cluster (broker/cluster/): registration, heartbeats, replication
    _s("broker.heartbeat.interval.ms", "int", 2000, 1),
    _s("broker.session.timeout.ms", "int", 9000, 1),
    _s("replica.lag.time.max.ms", "long", 30000, 1),
    _s("replica.fetch.backoff.ms", "int", 1000, 0),
    _s("replica.fetch.max.bytes", "int", 1048576, 0),
    _s("replica.socket.timeout.ms", "int", 30000, 1),
    _s("request.timeout.ms", "int", 30000, 0),
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
# Broker settings that provide topic-config defaults (log.cleaner.delete.retention.ms, ...):
# topic_configs reads them for DescribeConfigs and new topics.
_ACCEPTED |= BROKER_SYNONYMS
SETTINGS: dict[str, Setting] = {d.name: d for d in _DEFS}

_TYPE_NAMES = {"int": "INT", "long": "LONG", "boolean": "BOOLEAN", "double": "DOUBLE"}


def convert_setting(setting: Setting, raw: str) -> Any:
    """A setting's typed value, or ConfigException with Kafka's words (also for dynamic configs)."""
    return _convert(setting, raw)


def _convert(setting: Setting, raw: str) -> Any:
    v = raw.strip()
    if setting.type in ("int", "long"):
        try:
            n = int(v)
        except ValueError:
            raise ConfigException(
                f"Invalid value {raw} for configuration {setting.name}: Not a number of type "
                f"{_TYPE_NAMES[setting.type]}"
            ) from None
        limit = 2**31 if setting.type == "int" else 2**63
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
    if setting.type == "list":
        return [x.strip() for x in v.split(",") if x.strip()]
    return v


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
        name, proto = self.values["inter.broker.listener.name"], self.values["security.inter.broker.protocol"]
        if name is not None and proto is not None:
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
