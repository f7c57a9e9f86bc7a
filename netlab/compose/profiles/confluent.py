"""confluentinc/cp-kafka and confluentinc/cp-server, as their entrypoint configures Kafka.

Follows confluentinc/kafka-images `kafka/include/etc/confluent/docker/configure` (and the same
file under `server/`): 7.4–7.9 (commit 60029fcc0, "Rename KAFKA_CLUSTER_ID") and 8.x (a80e70547,
ZooKeeper removed), plus `kafka.properties.template` (env_to_props 'KAFKA_' with its exclusions):
- every `KAFKA_FOO_BAR` becomes `foo.bar` (`__` -> `_`, `___` -> `-`), except the JVM/log4j ones;
- KRaft when KAFKA_PROCESS_ROLES is set: CLUSTER_ID is required (it formats the storage with it);
  a controller-only node must not set KAFKA_ADVERTISED_LISTENERS; others must;
- ZooKeeper mode (7.x only): KAFKA_ZOOKEEPER_CONNECT and KAFKA_ADVERTISED_LISTENERS required;
- KAFKA_LISTENERS unset: derived from KAFKA_ADVERTISED_LISTENERS, every host -> 0.0.0.0
  (`cub listeners` / `ub listeners`);
- KAFKA_ADVERTISED_PORT, KAFKA_ADVERTISED_HOST, KAFKA_HOST, KAFKA_PORT: the container exits.
Image tag -> Kafka version: Confluent Platform 7.N.P ships Kafka 3.N.P, 8.N.P ships 4.N.P, 6.0/6.1/6.2
ship 2.6/2.7/2.8.
"""

from __future__ import annotations

from .base import ImageRef, KafkaRole, env_to_props, listeners_from_advertised, version_tuple

SCRIPT = "confluentinc/kafka-images kafka/include/etc/confluent/docker/configure"
REPOS = ("confluentinc/cp-kafka", "confluentinc/cp-server", "confluentinc/cp-enterprise-kafka")
EXCLUDED = {
    "KAFKA_VERSION",
    "KAFKA_HEAP_OPTS",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    "KAFKA_ZOOKEEPER_CLIENT_CNXN_SOCKET",
    # read by the launch script for JMX, not Kafka settings
    "KAFKA_JMX_PORT",
    "KAFKA_JMX_HOSTNAME",
}
DEPRECATED = {
    "KAFKA_ADVERTISED_PORT": "advertised.port is deprecated. Please use KAFKA_ADVERTISED_LISTENERS instead.",
    "KAFKA_ADVERTISED_HOST": "advertised.host is deprecated. Please use KAFKA_ADVERTISED_LISTENERS instead.",
    "KAFKA_HOST": "host is deprecated. Please use KAFKA_ADVERTISED_LISTENERS instead.",
    "KAFKA_PORT": "port is deprecated. Please use KAFKA_ADVERTISED_LISTENERS instead.",
}


def kafka_version(tag: str) -> str | None:
    """CP 7.N.P ships Kafka 3.N.P, 8.N.P ships 4.N.P, 6.N.P ships 2.(6+N).P (the patch only when
    the tag names one)."""
    v = version_tuple(tag)
    if v is None:
        return "4.1"  # latest: Confluent Platform 8.1
    minor = v[1] if len(v) > 1 else 0
    patch = f".{v[2]}" if len(v) > 2 else ""
    if v[0] >= 8:
        return f"4.{minor}{patch}"
    if v[0] == 7:
        return f"3.{minor}{patch}"
    if v[0] == 6:
        return f"2.{6 + minor}{patch}"
    return None


def configure(image: ImageRef, env: dict[str, str]) -> KafkaRole:
    role = KafkaRole(kafka_version=kafka_version(image.tag))
    cp = version_tuple(image.tag)
    role.props = env_to_props(env, "KAFKA_", EXCLUDED, escapes=True)
    ensure = "environment variable {} is required (`ensure` in " + SCRIPT + ")"
    roles = env.get("KAFKA_PROCESS_ROLES", "")
    zk_removed = cp is None or cp[0] >= 8
    if not roles and zk_removed:
        role.entrypoint_error = (
            ensure.format("KAFKA_PROCESS_ROLES") + " — Confluent Platform 8 runs KRaft only"
        )
        return role
    if roles:
        if cp is not None and cp < (7, 4):
            role.notes.append(
                f"{image}: KRaft in the image's entrypoint needs Confluent Platform 7.4 or later"
            )
        if not env.get("CLUSTER_ID"):
            role.entrypoint_error = ensure.format("CLUSTER_ID")
            return role
        role.derive("cluster.id", env["CLUSTER_ID"], "CLUSTER_ID: the entrypoint formats the storage with it")
        if roles.strip() == "controller":
            if env.get("KAFKA_ADVERTISED_LISTENERS"):
                role.entrypoint_error = "KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller."
                return role
        elif not env.get("KAFKA_ADVERTISED_LISTENERS"):
            role.entrypoint_error = ensure.format("KAFKA_ADVERTISED_LISTENERS")
            return role
    else:
        for var in ("KAFKA_ZOOKEEPER_CONNECT", "KAFKA_ADVERTISED_LISTENERS"):
            if not env.get(var):
                role.entrypoint_error = ensure.format(var)
                return role
        role.zookeeper_connect = env["KAFKA_ZOOKEEPER_CONNECT"]
    if not env.get("KAFKA_LISTENERS") and roles.strip() != "controller":
        role.derive(
            "listeners",
            listeners_from_advertised(env["KAFKA_ADVERTISED_LISTENERS"]),
            "derived by the image from KAFKA_ADVERTISED_LISTENERS, every host replaced by 0.0.0.0",
        )
    for var, message in DEPRECATED.items():
        if env.get(var):
            role.entrypoint_error = message
            return role
    return role
