"""Kafka's rules that depend on the version the image's tag picks (netlab's broker validates as
Kafka 3.9.1+/4.0 does; these are the differences that decide whether a broker starts).

- Before 2.7, advertised.listeners had to use distinct ports like listeners (KafkaConfig
  validateUniquePortAndProtocol was applied to both; 2.7 relaxed it for advertised.listeners):
  `requirement failed: Each listener must have a different port, listeners: <advertised>`.
- 3.9.0 only (KAFKA-18281, apache/kafka#18387, fixed in 3.9.1 and 4.0): a KRaft controller's
  listener missing from advertised.listeners is advertised as written in `listeners`, and every
  advertised listener must be routable, so `CONTROLLER://0.0.0.0:9093` stops a 3.9.0 controller:
  `requirement failed: advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a
  routable IP address.` (confluentinc/kafka-images#373: cp-kafka 7.9.0).
"""

from __future__ import annotations

from .base import KafkaRole, version_tuple

NONROUTABLE = (
    "java.lang.IllegalArgumentException: requirement failed: advertised.listeners cannot use the "
    "nonroutable meta-address 0.0.0.0. Use a routable IP address."
)


def _entries(raw: str) -> list[tuple[str, str, str]]:
    out = []
    for item in (x.strip() for x in raw.split(",") if x.strip()):
        name, sep, rest = item.partition("://")
        host, _, port = rest.rpartition(":")
        if sep:
            out.append((name.strip().upper(), host.strip("[]"), port))
    return out


def version_refusal(role: KafkaRole) -> str | None:
    """Kafka's message when the image's Kafka version refuses what later versions accept."""
    v = version_tuple(role.kafka_version)
    if v is None:
        return None
    props = role.props
    advertised = props.get("advertised.listeners")
    if v < (2, 7) and advertised:
        ports = [p for _, _, p in _entries(advertised) if p != "0"]
        if len(ports) != len(set(ports)):
            return (
                "java.lang.IllegalArgumentException: requirement failed: Each listener must have a "
                f"different port, listeners: {advertised}"
            )
    roles = {r.strip() for r in props.get("process.roles", "").split(",")}
    if len(v) == 3 and v == (3, 9, 0) and "controller" in roles:
        controllers = {
            n.strip().upper() for n in props.get("controller.listener.names", "").split(",") if n.strip()
        }
        adv = {n for n, _, _ in _entries(advertised or "")}
        for name, host, _ in _entries(props.get("listeners", "")):
            if name in controllers and name not in adv and host == "0.0.0.0":
                return NONROUTABLE
    return None
