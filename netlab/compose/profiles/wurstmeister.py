"""wurstmeister/kafka, as its start-kafka.sh configures Kafka (a Kafka 2.x image).

Follows wurstmeister/kafka-docker `start-kafka.sh` (901c084, the last release, Kafka 2.8.1) and
Kafka 2.x's KafkaConfig for the legacy host/port settings it writes:
- KAFKA_ZOOKEEPER_CONNECT is mandatory ("ERROR: missing mandatory config: KAFKA_ZOOKEEPER_CONNECT");
- KAFKA_PORT defaults to 9092, KAFKA_BROKER_ID to -1 (Kafka then auto-assigns 1001, 1002, ...);
- HOSTNAME_COMMAND's output replaces `_{HOSTNAME_COMMAND}` in KAFKA_* values and, without
  KAFKA_ADVERTISED_HOST_NAME and KAFKA_LISTENERS, becomes KAFKA_ADVERTISED_HOST_NAME;
- KAFKA_ADVERTISED_LISTENERS without KAFKA_LISTENERS stops the container; neither listeners nor an
  advertised host name stops it too;
- every other KAFKA_FOO_BAR becomes `foo.bar` (every `_` a dot);
- Kafka 2.x: listeners unset -> PLAINTEXT://<host.name>:<port>; advertised.listeners unset ->
  PLAINTEXT://<advertised.host.name or host.name>:<advertised.port or port> when either is set,
  else the listeners. netlab writes those as listeners/advertised.listeners.
HOSTNAME_COMMAND is not run: the usual ones are recognised (the Docker host's name from
`docker info`, the gateway from `route -n`/`ip route`, `hostname`), others are reported.
"""

from __future__ import annotations

from .base import ImageRef, KafkaRole, env_to_props

SCRIPT = "wurstmeister/kafka-docker start-kafka.sh"
REPOS = ("wurstmeister/kafka",)
EXCLUDED = {
    "KAFKA_VERSION",
    "KAFKA_HOME",
    "KAFKA_DEBUG",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_HEAP_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_LOG",
    "KAFKA_OPTS",
    "KAFKA_CREATE_TOPICS",
    "KAFKA_ADVERTISED_HOST_NAME",
    "KAFKA_ADVERTISED_PORT",
    "KAFKA_PORT",
    "KAFKA_HOST_NAME",
}


def hostname_command_value(command: str, facts: dict[str, str]) -> str | None:
    """What the usual HOSTNAME_COMMANDs print in the container (facts: gateway, host, hostname)."""
    text = command.strip()
    if "docker info" in text:
        return facts.get("host")
    if "route" in text:
        return facts.get("gateway")
    if text in ("hostname", "hostname -f", "cat /etc/hostname"):
        return facts.get("hostname")
    if "hostname -i" in text:
        return facts.get("address")
    return None


def configure(image: ImageRef, env: dict[str, str], facts: dict[str, str] | None = None) -> KafkaRole:
    tag = image.tag.split("-")[-1] if "-" in image.tag else ("2.8.1" if image.tag == "latest" else image.tag)
    role = KafkaRole(kafka_version=tag)
    env = dict(env)
    if not env.get("KAFKA_ZOOKEEPER_CONNECT"):
        role.entrypoint_error = "ERROR: missing mandatory config: KAFKA_ZOOKEEPER_CONNECT"
        return role
    port = env.get("KAFKA_PORT") or "9092"
    hostname_value = None
    if env.get("HOSTNAME_COMMAND"):
        hostname_value = hostname_command_value(env["HOSTNAME_COMMAND"], facts or {})
        if hostname_value is None:
            role.notes.append(
                f"HOSTNAME_COMMAND {env['HOSTNAME_COMMAND']!r} is not run by netlab; its output is unknown"
            )
            hostname_value = ""
        for k, v in list(env.items()):
            if k.startswith("KAFKA_") and "_{HOSTNAME_COMMAND}" in v:
                env[k] = v.replace("_{HOSTNAME_COMMAND}", hostname_value)
    if not (env.get("KAFKA_ADVERTISED_HOST_NAME") or env.get("KAFKA_LISTENERS")):
        if env.get("KAFKA_ADVERTISED_LISTENERS"):
            role.entrypoint_error = (
                "ERROR: Missing environment variable KAFKA_LISTENERS. Must be specified when using "
                "KAFKA_ADVERTISED_LISTENERS"
            )
            return role
        if not hostname_value:
            role.entrypoint_error = (
                "ERROR: No listener or advertised hostname configuration provided in environment."
            )
            return role
        env["KAFKA_ADVERTISED_HOST_NAME"] = hostname_value
    role.props = env_to_props(env, "KAFKA_", EXCLUDED, escapes=False)
    role.zookeeper_connect = env["KAFKA_ZOOKEEPER_CONNECT"]
    if not env.get("KAFKA_BROKER_ID"):
        role.props["broker.id"] = "-1"
        role.derived["broker.id"] = "start-kafka.sh: KAFKA_BROKER_ID unset -> -1"
    host_name = env.get("KAFKA_HOST_NAME", "")
    if "listeners" not in role.props:
        role.derive(
            "listeners",
            f"PLAINTEXT://{host_name}:{port}",
            f"Kafka 2.x: no listeners -> PLAINTEXT://<host.name>:<port> (KAFKA_PORT {port})",
        )
    adv_host, adv_port = env.get("KAFKA_ADVERTISED_HOST_NAME"), env.get("KAFKA_ADVERTISED_PORT")
    if "advertised.listeners" not in role.props and (adv_host or adv_port):
        role.derive(
            "advertised.listeners",
            f"PLAINTEXT://{adv_host or host_name}:{adv_port or port}",
            "Kafka 2.x: advertised.host.name/advertised.port -> "
            "PLAINTEXT://<advertised host>:<advertised port>",
        )
    return role
