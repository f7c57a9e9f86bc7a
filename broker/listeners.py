"""Listener endpoints as Kafka parses them (`NAME://host:port`)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

_ENDPOINT = re.compile(r"^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)")

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
DEFAULT_PROTOCOL_MAP = {p: p for p in SECURITY_PROTOCOLS}


class ConfigException(Exception):
    """Kafka's org.apache.kafka.common.config.ConfigException."""

    java_class = "org.apache.kafka.common.config.ConfigException"


class RequirementFailed(Exception):
    """Scala's require(): `java.lang.IllegalArgumentException: requirement failed: ...`."""

    java_class = "java.lang.IllegalArgumentException"

    def __init__(self, message: str):
        super().__init__(f"requirement failed: {message}")


def require(cond: bool, message: str) -> None:
    if not cond:
        raise RequirementFailed(message)


@dataclass(frozen=True)
class EndPoint:
    listener: str  # upper-cased listener name
    host: str  # "" = wildcard
    port: int
    protocol: str

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.listener}://{host}:{self.port}"


def parse_protocol_map(value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in (x.strip() for x in value.split(",")):
        if not item:
            continue
        name, sep, proto = item.partition(":")
        if not sep or not name.strip():
            raise ConfigException(
                f"Invalid value {value} for configuration listener.security.protocol.map: Map entry "
                f"'{item}' is improperly formatted; expected NAME:PROTOCOL, e.g. INTERNAL:PLAINTEXT"
            )
        proto = proto.strip().upper()
        if proto not in SECURITY_PROTOCOLS:
            raise ConfigException(
                f"Invalid value {value} for configuration listener.security.protocol.map: "
                f"unknown security protocol '{proto}' (valid: {', '.join(SECURITY_PROTOCOLS)})"
            )
        out[name.strip().upper()] = proto
    return out


def kraft_controller_protocols(
    pmap: dict[str, str], controller_names: list[str], listeners: str
) -> dict[str, str]:
    """Kafka's KafkaConfig.effectiveListenerSecurityProtocolMap (3.3+): in KRaft, when
    listener.security.protocol.map is not set, every controller listener name maps to PLAINTEXT,
    unless a controller or listener name is SSL, SASL_PLAINTEXT or SASL_SSL."""
    secure = ("SSL", "SASL_PLAINTEXT", "SASL_SSL")
    names = [item.split("://", 1)[0].strip().upper() for item in listeners.split(",") if "://" in item]
    if any(n in secure for n in controller_names + names):
        return pmap
    return {**pmap, **{n: "PLAINTEXT" for n in controller_names if n not in pmap}}


def parse_endpoints(value: str | None, protocol_map: dict[str, str]) -> list[EndPoint]:
    """Parse a listeners-style list; errors carry Kafka's wording."""
    if value is None or not value.strip():
        return []
    out: list[EndPoint] = []
    for entry in (x.strip() for x in value.split(",")):
        if not entry:
            continue
        m = _ENDPOINT.match(entry)
        if not m:
            raise ConfigException(f"Unable to parse {entry} to a broker endpoint")
        name = m.group(1).upper()
        try:
            port = int(m.group(3))
        except ValueError:
            raise ConfigException(f"Unable to parse {entry} to a broker endpoint") from None
        if name not in protocol_map:
            raise ConfigException(
                f"Error creating broker listeners from '{value}': No security protocol defined for listener {name}"
            )
        out.append(EndPoint(name, m.group(2), port, protocol_map[name]))
    return out


def _ip_version(host: str) -> int | None:
    try:
        return ipaddress.ip_address(host.split("%")[0]).version
    except ValueError:
        return None


def validate_listener_list(endpoints: list[EndPoint], raw: str, *, advertised: bool) -> None:
    """Distinct names; distinct ports except port 0 and an IPv4/IPv6 literal pair (Kafka 3.6+).
    advertised.listeners may repeat ports (Kafka 2.7+)."""
    names = [e.listener for e in endpoints]
    require(len(set(names)) == len(names), f"Each listener must have a different name, listeners: {raw}")
    if advertised:
        return
    by_port: dict[int, list[EndPoint]] = {}
    for e in endpoints:
        if e.port != 0:
            by_port.setdefault(e.port, []).append(e)
    for port, eps in by_port.items():
        if len(eps) == 1:
            continue
        versions = sorted(str(_ip_version(e.host)) for e in eps)
        if len(eps) == 2 and versions == ["4", "6"]:
            continue
        if len(eps) == 2 and all(_ip_version(e.host) for e in eps):
            raise RequirementFailed(
                f"If you have two listeners on the same port then one needs to be IPv4 and the other IPv6, "
                f"listeners: {raw}, port: {port}"
            )
        raise RequirementFailed(f"Each listener must have a different port, listeners: {raw}")
