"""bitnami/kafka, as its scripts configure Kafka.

Follows bitnami/containers `bitnami/kafka/3.7/debian-12/rootfs/opt/bitnami/scripts/libkafka.sh`
(the scripts of 3.5 and later; 4.x keep the same rules) and `kafka-env.sh`:
- `kafka_initialize`: Kafka's own server.properties with every listener, node, controller,
  ZooKeeper and inter-broker line commented out (`kafka_server_unify_conf`), log.dirs set to
  /bitnami/kafka/data, then every `KAFKA_CFG_FOO_BAR` written as `foo.bar` (every `_` a dot,
  lower case: `kafka_configure_from_environment_variables`); what is left of the distribution's
  file: num.partitions=1 and the internal topics' replication factor 1 / min ISR 1;
- `kafka_validate`: "Kafka haven't been configured to work in either Raft or Zookeper mode"
  without KAFKA_CFG_PROCESS_ROLES or KAFKA_CFG_ZOOKEEPER_CONNECT; KRaft needs
  KAFKA_CFG_NODE_ID and KAFKA_CFG_CONTROLLER_QUORUM_VOTERS; both modes at once need migration;
- `kafka_kraft_storage_initialize`: KAFKA_KRAFT_CLUSTER_ID, else `kafka-storage.sh random-uuid`
  in each container ("If using multiple nodes then you must use the same Cluster ID for each one").
Tags before 3.5 also read the short aliases (KAFKA_BROKER_ID, KAFKA_ZOOKEEPER_CONNECT, ...) as
their KAFKA_CFG_ form (`kafka_create_alias_environment_variables` of the older libkafka.sh).
The image tag is the Kafka version.
"""

from __future__ import annotations

import base64
import hashlib

from .base import ImageRef, KafkaRole, env_to_props, version_tuple

SCRIPT = "bitnami/containers bitnami/kafka/3.7/debian-12/rootfs/opt/bitnami/scripts/libkafka.sh"
REPOS = ("bitnami/kafka", "bitnamilegacy/kafka")
REMAINING_DEFAULTS = {
    "num.partitions": "1",
    "offsets.topic.replication.factor": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
}
OLD_ALIASES = (
    "ADVERTISED_LISTENERS",
    "BROKER_ID",
    "DEFAULT_REPLICATION_FACTOR",
    "DELETE_TOPIC_ENABLE",
    "INTER_BROKER_LISTENER_NAME",
    "LISTENERS",
    "LISTENER_SECURITY_PROTOCOL_MAP",
    "NUM_PARTITIONS",
    "OFFSETS_TOPIC_REPLICATION_FACTOR",
    "TRANSACTION_STATE_LOG_MIN_ISR",
    "TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
    "ZOOKEEPER_CONNECT",
)


def random_uuid_of(seed: str) -> str:
    """A stand-in for `kafka-storage.sh random-uuid` run in one container: a 22-character
    base64 UUID, fixed per container so that predict and up agree."""
    return base64.urlsafe_b64encode(hashlib.sha256(seed.encode()).digest()[:16]).decode().rstrip("=")


def configure(image: ImageRef, env: dict[str, str], container: str = "") -> KafkaRole:
    role = KafkaRole(kafka_version=".".join(map(str, version_tuple(image.tag) or (4, 0))))
    env = dict(env)
    version = version_tuple(image.tag)
    if version is not None and version < (3, 5):
        for suffix in OLD_ALIASES:
            if env.get(f"KAFKA_{suffix}") and not env.get(f"KAFKA_CFG_{suffix}"):
                env[f"KAFKA_CFG_{suffix}"] = env[f"KAFKA_{suffix}"]
                role.notes.append(f"KAFKA_{suffix} read as KAFKA_CFG_{suffix} (alias of bitnami/kafka < 3.5)")
    for key, value in REMAINING_DEFAULTS.items():
        role.derive(key, value, "left in the image's server.properties (Kafka's distribution file)")
    for key, value in env_to_props(env, "KAFKA_CFG_", set(), escapes=False).items():
        role.props[key] = value
        role.derived.pop(key, None)
    roles, zk = env.get("KAFKA_CFG_PROCESS_ROLES", ""), env.get("KAFKA_CFG_ZOOKEEPER_CONNECT", "")
    if not roles and not zk:
        role.entrypoint_error = (
            "Kafka haven't been configured to work in either Raft or Zookeper mode. Please make sure at "
            "least one of the modes is configured."
        )
        return role
    if roles:
        if zk and env.get("KAFKA_CFG_ZOOKEEPER_METADATA_MIGRATION_ENABLE", "").lower() not in ("yes", "true"):
            role.entrypoint_error = (
                "Both KRaft mode and Zookeeper modes are configured, but "
                "KAFKA_CFG_ZOOKEEPER_METADATA_MIGRATION_ENABLE is not enabled"
            )
            return role
        if not env.get("KAFKA_CFG_NODE_ID"):
            role.entrypoint_error = (
                "KRaft mode requires an unique node.id, please set the environment variable KAFKA_CFG_NODE_ID"
            )
            return role
        if not env.get("KAFKA_CFG_CONTROLLER_QUORUM_VOTERS"):
            role.entrypoint_error = "KRaft mode requires KAFKA_CFG_CONTROLLER_QUORUM_VOTERS to be set"
            return role
        if env.get("KAFKA_KRAFT_CLUSTER_ID"):
            role.derive(
                "cluster.id",
                env["KAFKA_KRAFT_CLUSTER_ID"],
                "KAFKA_KRAFT_CLUSTER_ID: the storage is formatted with it",
            )
        else:
            role.derive(
                "cluster.id",
                random_uuid_of(container),
                "KAFKA_KRAFT_CLUSTER_ID unset: this container formats its storage with its own random id",
            )
    else:
        role.zookeeper_connect = zk
    return role
