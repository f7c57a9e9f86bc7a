"""Kafka's znodes and their JSON, as kafka.zk.ZkData (Kafka 3.x) writes them. Pure functions.

    /cluster/id                                  {"version":"1","id":"<cluster id>"}
    /brokers/seqid                               its data version makes auto broker ids
    /brokers/ids/<id>          (ephemeral)       BrokerIdZNode, JSON version 5
    /controller                (ephemeral)       {"version":2,"brokerid":N,"timestamp":"...",
                                                  "kraftControllerEpoch":-1}
    /controller_epoch                            "N"
    /brokers/topics/<t>                          {"version":3,"partitions":{"0":[1,2]},...,"topic_id":"..."}
    /brokers/topics/<t>/partitions/<p>/state     {"controller_epoch":1,"leader":1,"version":1,
                                                  "leader_epoch":0,"isr":[1,2]}
    /config/topics/<t>                           {"version":1,"config":{...}}
    /config/clients/<c>, /config/users/<u>[/clients/<c>], /config/ips/<ip>
                                                 the same (ConfigEntityZNode): client quotas
    /config/changes/config_change_<seq>          {"version":2,"entity_path":"clients/<c>"}
    /isr_change_notification/isr_change_<seq>    {"version":1,"partitions":[{"topic":t,"partition":p}]}

/controller is version 2 with kraftControllerEpoch -1 since Kafka 3.4 (KIP-866); the seed's
`get /controller` shows exactly that. JSON is compact, as Kafka's Json.encodeAsBytes writes it.
"""

from __future__ import annotations

import base64
import json
import time
import uuid

from ..cluster.metadata import BrokerEndpoint

CLUSTER_ID = "/cluster/id"
BROKER_IDS = "/brokers/ids"
BROKER_SEQID = "/brokers/seqid"
TOPICS = "/brokers/topics"
CONTROLLER = "/controller"
CONTROLLER_EPOCH = "/controller_epoch"
TOPIC_CONFIGS = "/config/topics"
CONFIG = "/config"
CONFIG_CHANGES = "/config/changes"
CONFIG_CHANGE_PREFIX = "config_change_"
ISR_CHANGES = "/isr_change_notification"
ISR_CHANGE_PREFIX = "isr_change_"
DELETE_TOPICS = "/admin/delete_topics"
# what Kafka's KafkaZkClient.createTopLevelPaths makes at start
PERSISTENT_PATHS = (
    "/consumers",
    BROKER_IDS,
    TOPICS,
    CONFIG_CHANGES,
    DELETE_TOPICS,
    BROKER_SEQID,
    ISR_CHANGES,
    "/latest_producer_id_block",
    "/log_dir_event_notification",
    TOPIC_CONFIGS,
    "/config/clients",
    "/config/users",
    "/config/brokers",
    "/config/ips",
)


def _dump(d: dict) -> bytes:
    return json.dumps(d, separators=(",", ":")).encode()


def _now_ms() -> str:
    return str(int(time.time() * 1000))


def broker_path(broker_id: int) -> str:
    return f"{BROKER_IDS}/{broker_id}"


def topic_path(topic: str) -> str:
    return f"{TOPICS}/{topic}"


def partitions_path(topic: str) -> str:
    return f"{TOPICS}/{topic}/partitions"


def partition_path(topic: str, partition: int) -> str:
    return f"{TOPICS}/{topic}/partitions/{partition}"


def partition_state_path(topic: str, partition: int) -> str:
    return f"{TOPICS}/{topic}/partitions/{partition}/state"


def topic_config_path(topic: str) -> str:
    return f"{TOPIC_CONFIGS}/{topic}"


# --- /brokers/ids/<id> (BrokerIdZNode) ---
def encode_broker(
    advertised: dict[str, BrokerEndpoint], protocols: dict[str, str], rack: str | None, jmx_port: int = -1
) -> bytes:
    """Version 5: endpoints are the *advertised* listeners; host/port are the first PLAINTEXT one
    (for clients older than 0.10), or null/-1 without one."""
    plain = next((ep for name, ep in advertised.items() if protocols.get(name) == "PLAINTEXT"), None)
    d: dict = {
        "features": {},
        "listener_security_protocol_map": {name: protocols.get(name, "PLAINTEXT") for name in advertised},
        "endpoints": [f"{name}://{ep.host}:{ep.port}" for name, ep in advertised.items()],
        "jmx_port": jmx_port,
        "port": plain.port if plain else -1,
        "host": plain.host if plain else None,
        "version": 5,
        "timestamp": _now_ms(),
    }
    if rack is not None:
        d["rack"] = rack
    return _dump(d)


def decode_broker(data: bytes) -> tuple[dict[str, BrokerEndpoint], str | None]:
    """Advertised endpoints by listener name, and the rack."""
    d = json.loads(data)
    out: dict[str, BrokerEndpoint] = {}
    for ep in d.get("endpoints", []):
        name, _, rest = ep.partition("://")
        host, _, port = rest.rpartition(":")
        out[name] = BrokerEndpoint(host.strip("[]"), int(port))
    return out, d.get("rack")


# --- /controller, /controller_epoch ---
def encode_controller(broker_id: int) -> bytes:
    return _dump({"version": 2, "brokerid": broker_id, "timestamp": _now_ms(), "kraftControllerEpoch": -1})


def decode_controller(data: bytes | None) -> int:
    if not data:
        return -1
    try:
        return int(json.loads(data)["brokerid"])
    except (ValueError, KeyError, TypeError):
        return -1


# --- /cluster/id ---
def encode_cluster_id(cluster_id: str) -> bytes:
    return _dump({"version": "1", "id": cluster_id})


def decode_cluster_id(data: bytes) -> str:
    return json.loads(data)["id"]


# --- topics ---
def encode_topic(assignment: dict[int, list[int]], topic_id: uuid.UUID) -> bytes:
    return _dump(
        {
            "partitions": {str(p): list(r) for p, r in sorted(assignment.items())},
            "topic_id": kafka_uuid(topic_id),
            "adding_replicas": {},
            "removing_replicas": {},
            "version": 3,
        }
    )


def decode_topic(data: bytes) -> tuple[dict[int, list[int]], uuid.UUID | None]:
    d = json.loads(data)
    parts = {int(p): [int(r) for r in reps] for p, reps in d.get("partitions", {}).items()}
    tid = d.get("topic_id")
    return parts, (parse_kafka_uuid(tid) if tid else None)


def encode_partition_state(leader: int, leader_epoch: int, isr: list[int], controller_epoch: int) -> bytes:
    return _dump(
        {
            "controller_epoch": controller_epoch,
            "leader": leader,
            "version": 1,
            "leader_epoch": leader_epoch,
            "isr": list(isr),
        }
    )


def decode_partition_state(data: bytes) -> dict:
    d = json.loads(data)
    return {
        "leader": int(d["leader"]),
        "leader_epoch": int(d["leader_epoch"]),
        "isr": [int(r) for r in d["isr"]],
        "controller_epoch": int(d["controller_epoch"]),
    }


def entity_config_path(entity_path: str) -> str:
    """/config/<entity path>, e.g. /config/users/<user>/clients/<client-id>."""
    return f"{CONFIG}/{entity_path}"


def encode_entity_config(configs: dict[str, str]) -> bytes:
    """ConfigEntityZNode: a topic's, a client's, a user's or an ip's overrides."""
    return _dump({"version": 1, "config": {k: str(v) for k, v in sorted(configs.items())}})


def decode_entity_config(data: bytes | None) -> dict[str, str]:
    if not data:
        return {}
    d = json.loads(data)
    config = d.get("config") if isinstance(d, dict) else None
    return {k: str(v) for k, v in config.items()} if isinstance(config, dict) else {}


encode_topic_config, decode_topic_config = encode_entity_config, decode_entity_config


def encode_config_change(entity_path: str) -> bytes:
    """ConfigEntityChangeNotificationSequenceZNode, version 2."""
    return _dump({"version": 2, "entity_path": entity_path})


def decode_config_change(data: bytes | None) -> str | None:
    """The entity path a notification names (version 2, or version 1's entity_type/entity_name)."""
    try:
        d = json.loads(data or b"")
    except ValueError:
        return None  # Kafka ignores non-JSON notifications (the old TopicConfigManager's)
    if not isinstance(d, dict):
        return None
    if d.get("version") == 2 and isinstance(d.get("entity_path"), str):
        return d["entity_path"]
    if d.get("version") == 1 and d.get("entity_type") in ("topics", "clients"):
        return f"{d['entity_type']}/{d.get('entity_name')}"
    return None


def encode_isr_change(partitions: list[tuple[str, int]]) -> bytes:
    return _dump({"version": 1, "partitions": [{"topic": t, "partition": p} for t, p in partitions]})


def decode_isr_change(data: bytes) -> list[tuple[str, int]]:
    d = json.loads(data)
    return [(str(e["topic"]), int(e["partition"])) for e in d.get("partitions", [])]


# --- Kafka's UUID text (base64url, no padding) ---
def kafka_uuid(u: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(u.bytes).decode().rstrip("=")


def parse_kafka_uuid(text: str) -> uuid.UUID:
    return uuid.UUID(bytes=base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
