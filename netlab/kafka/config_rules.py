"""Kafka's broker-config rules for listeners, written from Kafka 3.9's KafkaConfig (see
shared/research/kafka.md), independent of broker/config.py so each checks the other: the
tests run `python -m broker` on the same configs and require the same first message.

`first_config_error(props)` returns the error Kafka stops at, as the broker's log prints it
(`<java class>: <message>`), or None when the listener settings are valid.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass

CONFIG_EXCEPTION = "org.apache.kafka.common.config.ConfigException"
ILLEGAL_ARGUMENT = "java.lang.IllegalArgumentException"
BIND_EXCEPTION = "org.apache.kafka.common.KafkaException"

_ENTRY = re.compile(r"^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)")
_DEFAULT_MAP = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"


@dataclass(frozen=True)
class Finding:
    java_class: str
    message: str

    @property
    def text(self) -> str:
        """The line Kafka (and our broker) logs under `Exiting Kafka due to fatal exception`."""
        return f"{self.java_class}: {self.message}"


class _Stop(Exception):
    def __init__(self, finding: Finding):
        self.finding = finding


def _config(msg: str) -> None:
    raise _Stop(Finding(CONFIG_EXCEPTION, msg))


def _require(ok: bool, msg: str) -> None:
    if not ok:
        raise _Stop(Finding(ILLEGAL_ARGUMENT, f"requirement failed: {msg}"))


@dataclass(frozen=True)
class Entry:
    name: str
    host: str
    port: int


@dataclass
class ListenerConfig:
    """The listener facts of a valid config (what the predictor needs)."""

    listeners: list[Entry]
    advertised: list[Entry]  # effective: advertised.listeners, or listeners minus controller ones
    protocol_map: dict[str, str]
    inter_broker_listener: str
    controller_listeners: list[str]
    node_id: int
    kraft: bool
    voters: dict[int, tuple[str, int]]  # controller.quorum.voters: id -> (host, port)


def _protocol_map(raw: str) -> dict[str, str]:
    out = {}
    for item in (x.strip() for x in raw.split(",") if x.strip()):
        name, _, proto = item.partition(":")
        out[name.strip().upper()] = proto.strip().upper()
    return out


def _entries(raw: str | None, pmap: dict[str, str]) -> list[Entry]:
    out = []
    for item in (x.strip() for x in (raw or "").split(",") if x.strip()):
        m = _ENTRY.match(item)
        if not m:
            _config(f"Unable to parse {item} to a broker endpoint")
        name = m.group(1).upper()
        if name not in pmap:
            _config(
                f"Error creating broker listeners from '{raw}': No security protocol defined for listener {name}"
            )
        out.append(Entry(name, m.group(2), int(m.group(3))))
    return out


def _ip_family(host: str) -> int | None:
    try:
        return ipaddress.ip_address(host.split("%")[0]).version
    except ValueError:
        return None


def _distinct(entries: list[Entry], raw: str, ports_too: bool) -> None:
    names = [e.name for e in entries]
    _require(len(names) == len(set(names)), f"Each listener must have a different name, listeners: {raw}")
    if not ports_too:
        return  # advertised.listeners may repeat ports (Kafka 2.7+)
    for port in sorted({e.port for e in entries if e.port != 0}):
        same = [e for e in entries if e.port == port]
        if len(same) < 2:
            continue
        families = sorted(str(_ip_family(e.host)) for e in same)
        if len(same) == 2 and families == ["4", "6"]:
            continue
        if len(same) == 2 and "None" not in families:
            _require(
                False,
                "If you have two listeners on the same port then one needs to be IPv4 and the other "
                f"IPv6, listeners: {raw}, port: {port}",
            )
        _require(False, f"Each listener must have a different port, listeners: {raw}")


def _int(props: Mapping[str, str], key: str, default: int) -> int:
    try:
        return int(props.get(key, default))
    except ValueError:
        _config(f"Invalid value {props[key]} for configuration {key}: Not a number of type INT")
        raise AssertionError  # unreachable


def _voters(raw: str) -> dict[int, tuple[str, int]]:
    ids: dict[int, tuple[str, int]] = {}
    for entry in (x.strip() for x in raw.split(",") if x.strip()):
        ident, at, addr = entry.partition("@")
        host, colon, port = addr.rpartition(":")
        if not (at and colon and host and ident.strip().lstrip("-").isdigit() and port.isdigit()):
            _config(
                "Invalid configuration value for controller.quorum.voters. Each entry should be in the form "
                "`{id}@{host}:{port}`."
            )
        ids[int(ident)] = (host.strip("[]"), int(port))
    return ids


def _check(props: Mapping[str, str]) -> ListenerConfig:
    pmap = _protocol_map(props.get("listener.security.protocol.map", _DEFAULT_MAP))
    raw_l = props.get("listeners", "PLAINTEXT://:9092")
    raw_a = props.get("advertised.listeners")
    roles = {r.strip().lower() for r in props.get("process.roles", "").split(",") if r.strip()}
    cln = [x.strip().upper() for x in props.get("controller.listener.names", "").split(",") if x.strip()]
    if roles and "listener.security.protocol.map" not in props:
        # KafkaConfig.effectiveListenerSecurityProtocolMap: controller names default to PLAINTEXT
        # in KRaft unless an SSL/SASL name is in use
        names = [x.split("://", 1)[0].strip().upper() for x in raw_l.split(",") if "://" in x]
        if not any(n in ("SSL", "SASL_PLAINTEXT", "SASL_SSL") for n in cln + names):
            pmap = {**pmap, **{n: "PLAINTEXT" for n in cln if n not in pmap}}
    node_id = _int(props, "node.id", -1)
    if node_id == -1:
        node_id = _int(props, "broker.id", -1)
    listeners = _entries(raw_l, pmap)
    advertised = _entries(raw_a, pmap) if raw_a is not None else [e for e in listeners if e.name not in cln]
    voters = _voters(props.get("controller.quorum.voters", ""))
    _distinct(listeners, raw_l, True)
    if raw_a is not None:
        _distinct(advertised, raw_a, False)
    ibl, ibp = props.get("inter.broker.listener.name"), props.get("security.inter.broker.protocol")
    if ibl is not None and ibp is not None:
        _config("Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.")
    if ibl is not None:
        inter = ibl.strip().upper()
        if inter not in pmap:
            _config(
                f"Listener with name {inter} defined in inter.broker.listener.name not found in "
                "listener.security.protocol.map."
            )
    else:
        inter = (ibp or "PLAINTEXT").strip().upper()
    if roles and node_id < 0:
        _config(
            "Missing configuration `node.id` which is required when `process.roles` is defined "
            "(i.e. when running in KRaft mode)."
        )
    if roles and not voters and not props.get("controller.quorum.bootstrap.servers", "").strip():
        _config(
            "If using process.roles, either controller.quorum.bootstrap.servers must contain the set of "
            "bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers."
        )
    adv_names, l_names = [e.name for e in advertised], [e.name for e in listeners]
    voter_set = "Set(" + ", ".join(str(v) for v in voters) + ")"
    if "broker" in roles:
        _require(
            not set(cln) & set(adv_names),
            "The advertised.listeners config must not contain KRaft controller listeners from "
            "controller.listener.names when process.roles contains the broker role because Kafka clients "
            "that send requests via advertised listeners do not send requests to KRaft controllers -- they "
            "only send requests to KRaft brokers.",
        )
    if roles == {"broker"}:
        _require(
            node_id not in voters,
            f"If process.roles contains just the 'broker' role, the node id {node_id} "
            f"must not be included in the set of voters controller.quorum.voters={voter_set}",
        )
        _require(
            bool(cln),
            "controller.listener.names must contain at least one value when running KRaft with "
            "just the broker role",
        )
        _require(
            not set(cln) & set(l_names),
            "controller.listener.names must not contain a value appearing in the "
            "'listeners' configuration when running KRaft with just the broker role",
        )
    if roles == {"controller"}:
        _require(raw_a is None, "The advertised.listeners config must be empty when process.roles=controller")
        _require(
            not advertised,
            "The listeners config must only contain KRaft controller listeners from "
            "controller.listener.names when process.roles=controller",
        )
    if "controller" in roles:
        _require(
            not voters or node_id in voters,
            f"If process.roles contains the 'controller' role, the node id "
            f"{node_id} must be included in the set of voters "
            f"controller.quorum.voters={voter_set}",
        )
        _require(
            bool(set(cln) & set(l_names)),
            "controller.listener.names must contain at least one value "
            "appearing in the 'listeners' configuration when running the "
            "KRaft controller role",
        )
        _require(
            set(cln) <= set(l_names),
            "controller.listener.names must only contain values appearing in the "
            "'listeners' configuration when running the KRaft controller role",
        )
    if not roles or "broker" in roles:
        _require(
            bool(adv_names),
            "There must be at least one broker advertised listener."
            + (" Perhaps all listeners appear in controller.listener.names?" if roles else ""),
        )
        _require(
            inter in adv_names,
            "inter.broker.listener.name must be a listener name defined in "
            "advertised.listeners. The valid options based on currently configured "
            f"listeners are {','.join(adv_names)}",
        )
        _require(
            set(adv_names) <= set(l_names),
            "advertised.listeners listener names must be equal to or a subset "
            f"of the ones defined in listeners. Found {','.join(adv_names)}. The "
            "valid options based on the current configuration are "
            f"{','.join(l_names)}",
        )
    _require(
        all(e.host != "0.0.0.0" for e in advertised),
        "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.",
    )
    return ListenerConfig(listeners, advertised, pmap, inter, cln, node_id, bool(roles), voters)


def first_config_error(props: Mapping[str, str]) -> Finding | None:
    try:
        _check(props)
    except _Stop as stop:
        return stop.finding
    return None


def listener_config(props: Mapping[str, str]) -> tuple[ListenerConfig | None, Finding | None]:
    try:
        return _check(props), None
    except _Stop as stop:
        return None, stop.finding
