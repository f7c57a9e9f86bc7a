"""Warnings `netlab validate` gives about a topology's brokers: settings that are valid but do not
do what people who wrote them for a Docker image expect (the images derive what the file omits)."""

from __future__ import annotations

from netlab.topology.kafka_fields import broker_properties
from netlab.topology.models import Topology


def kafka_warnings(topology: Topology) -> list[str]:
    out: list[str] = []
    brokers = {n: spec.broker for n, spec in topology.nodes.items() if spec.broker is not None}
    props = {n: broker_properties(b) for n, b in brokers.items()}
    kraft = [n for n, p in props.items() if p.get("process.roles", "").strip()]
    ids = {n: props[n].get("cluster.id", "").strip() for n in kraft}
    if len(kraft) > 1 and (any(not i for i in ids.values()) or len(set(ids.values())) > 1):
        missing = [n for n in kraft if not ids[n]]
        out.append(
            f"KRaft nodes {', '.join(kraft)} do not share one cluster.id"
            + (f" ({', '.join(missing)} set none: each makes up its own)" if missing else "")
            + ": a broker whose cluster id differs from its controller's is rejected "
            "(INCONSISTENT_CLUSTER_ID); set cluster.id (the images' CLUSTER_ID / "
            "KAFKA_KRAFT_CLUSTER_ID) on every node"
        )
    for node, p in props.items():
        if (
            p.get("zookeeper.connect")
            and not p.get("process.roles")
            and p.get("broker.id", "-1").strip() in ("", "-1")
        ):
            out.append(
                f"{node}: a ZooKeeper-mode broker without broker.id: Kafka assigns one from ZooKeeper "
                "(1001 and up), so its id is not known before it starts; set broker.id"
            )
    for node, raw in brokers.items():
        if "KAFKA_ADVERTISED_LISTENERS" in raw and "KAFKA_LISTENERS" not in raw and "listeners" not in raw:
            out.append(
                f"{node}: KAFKA_ADVERTISED_LISTENERS without KAFKA_LISTENERS: the cp-kafka and apache/kafka "
                "images would derive listeners from it (every host -> 0.0.0.0); this broker uses Kafka's "
                "default listeners=PLAINTEXT://:9092 instead — write KAFKA_LISTENERS "
                "(or use netlab import compose)"
            )
    return out
