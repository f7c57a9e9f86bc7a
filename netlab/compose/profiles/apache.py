"""apache/kafka (and apache/kafka-native), as the image's scripts configure Kafka.

Follows apache/kafka `docker/resources/common-scripts/run` → `configureDefaults` → `configure`
→ `KafkaDockerWrapper setup` (core/src/main/scala/kafka/docker/KafkaDockerWrapper.scala):
- configureDefaults: CLUSTER_ID defaults to 5L6g3nShT-eMCtK--X86sw (every container of the image
  shares it unless told otherwise);
- configure: KRaft needs CLUSTER_ID; a controller-only node must not set
  KAFKA_ADVERTISED_LISTENERS; with KAFKA_LISTENERS unset (and not a controller) it is derived from
  KAFKA_ADVERTISED_LISTENERS with `sed -e 's|://[^:]*:|://0.0.0.0:|g'`;
- KafkaDockerWrapper.prepareServerConfigs: server.properties is made of the KAFKA_* variables
  only (every "KAFKA_" removed, lower case, `_` -> `.`, then `...` -> `-`, `..` -> `_`), except
  the JVM/log4j ones; when there are none at all, the image's default server.properties is used
  (a combined node: node.id 1, PLAINTEXT://localhost:29092, CONTROLLER://localhost:29093,
  PLAINTEXT_HOST://0.0.0.0:9092 advertised as localhost:9092).
The image tag is the Kafka version.
"""

from __future__ import annotations

from .base import ImageRef, KafkaRole, listeners_from_advertised, version_tuple

SCRIPT = "apache/kafka docker/resources/common-scripts/configure + KafkaDockerWrapper.scala"
REPOS = ("apache/kafka", "apache/kafka-native")
DEFAULT_CLUSTER_ID = "5L6g3nShT-eMCtK--X86sw"
DEFAULT_SERVER_PROPERTIES = {
    "advertised.listeners": "PLAINTEXT://localhost:29092,PLAINTEXT_HOST://localhost:9092",
    "controller.listener.names": "CONTROLLER",
    "controller.quorum.voters": "1@localhost:29093",
    "group.initial.rebalance.delay.ms": "0",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
    "listeners": "PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,PLAINTEXT_HOST://0.0.0.0:9092",
    "node.id": "1",
    "offsets.topic.replication.factor": "1",
    "process.roles": "broker,controller",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.replication.factor": "1",
}
EXCLUDED = {
    "KAFKA_VERSION",
    "KAFKA_HEAP_OPT",  # sic: the wrapper's list; KAFKA_HEAP_OPTS becomes heap.opts (ignored by Kafka)
    "KAFKA_LOG4J_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    "KAFKA_JMX_HOSTNAME",
}


def kafka_version(tag: str) -> str | None:
    v = version_tuple(tag)
    return ".".join(map(str, v)) if v else "4.1"


def wrapper_key(var: str) -> str:
    """KafkaDockerWrapper.getServerConfigsFromEnv's key for one variable."""
    key = var.replace("KAFKA_", "").lower().replace("_", ".")
    return key.replace("...", "-").replace("..", "_")


def configure(image: ImageRef, env: dict[str, str]) -> KafkaRole:
    role = KafkaRole(kafka_version=kafka_version(image.tag))
    env = dict(env)
    cluster_id_defaulted = not env.get("CLUSTER_ID")
    if cluster_id_defaulted:
        env["CLUSTER_ID"] = DEFAULT_CLUSTER_ID
    roles = env.get("KAFKA_PROCESS_ROLES", "").strip()
    if roles == "controller" and env.get("KAFKA_ADVERTISED_LISTENERS"):
        role.entrypoint_error = "KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller."
        return role
    if not env.get("KAFKA_LISTENERS") and roles != "controller" and env.get("KAFKA_ADVERTISED_LISTENERS"):
        env["KAFKA_LISTENERS"] = listeners_from_advertised(env["KAFKA_ADVERTISED_LISTENERS"])
        role.derived["listeners"] = (
            "derived by the image from KAFKA_ADVERTISED_LISTENERS, every host replaced by 0.0.0.0"
        )
    props = {
        wrapper_key(k): v
        for k, v in env.items()
        if k.startswith("KAFKA_") and k not in EXCLUDED and k not in ("KAFKA_JMX_PORT",) and v != ""
    }
    if not props:
        for key, value in DEFAULT_SERVER_PROPERTIES.items():
            role.derive(key, value, "the image's default server.properties (no KAFKA_* variable is set)")
    else:
        role.props.update(props)
    role.zookeeper_connect = role.props.get("zookeeper.connect")
    if role.kraft:
        why = "the image's default CLUSTER_ID (configureDefaults)" if cluster_id_defaulted else "CLUSTER_ID"
        role.derive("cluster.id", env["CLUSTER_ID"], why + ": the storage is formatted with it")
    return role
