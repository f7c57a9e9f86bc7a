"""The cluster metadata as JSON: what the controller hands brokers (metadata pull) and what it
keeps on disk (our stand-in for KRaft's `__cluster_metadata` log)."""

from __future__ import annotations

import uuid

from .metadata import BrokerEndpoint, BrokerInfo, ClusterMetadata, PartitionInfo, TopicInfo


def topic_to_json(t: TopicInfo, configs: dict | None = None) -> dict:
    return {
        "name": t.name,
        "id": str(t.topic_id),
        "internal": t.internal,
        "configs": configs or {},
        "partitions": [
            {
                "p": p.index,
                "leader": p.leader,
                "epoch": p.leader_epoch,
                "replicas": list(p.replicas),
                "isr": list(p.isr),
                **(
                    {"adding": list(p.adding), "removing": list(p.removing)} if p.adding or p.removing else {}
                ),
            }
            for p in sorted(t.partitions.values(), key=lambda p: p.index)
        ],
    }


def topic_from_json(d: dict) -> tuple[TopicInfo, dict]:
    parts = {
        p["p"]: PartitionInfo(
            p["p"],
            p["leader"],
            p["epoch"],
            list(p["replicas"]),
            list(p["isr"]),
            adding=list(p.get("adding", [])),
            removing=list(p.get("removing", [])),
        )
        for p in d["partitions"]
    }
    return TopicInfo(d["name"], uuid.UUID(d["id"]), parts, d.get("internal", False)), dict(
        d.get("configs") or {}
    )


def broker_to_json(b: BrokerInfo) -> dict:
    return {
        "id": b.node_id,
        "rack": b.rack,
        "endpoints": {k: [e.host, e.port] for k, e in b.endpoints.items()},
    }


def broker_from_json(d: dict) -> BrokerInfo:
    return BrokerInfo(
        d["id"], {k: BrokerEndpoint(h, p) for k, (h, p) in d["endpoints"].items()}, d.get("rack")
    )


def snapshot(md: ClusterMetadata, version: int, configs: dict[str, dict]) -> dict:
    return {
        "version": version,
        "cluster_id": md.cluster_id,
        "controller_id": md.controller_id,
        "brokers": [broker_to_json(b) for b in sorted(md.brokers.values(), key=lambda b: b.node_id)],
        "topics": [
            topic_to_json(t, configs.get(t.name)) for t in sorted(md.topics.values(), key=lambda t: t.name)
        ],
    }


def apply_snapshot(md: ClusterMetadata, snap: dict) -> dict[str, dict]:
    """Replace `md`'s brokers and topics with the snapshot's; returns the topic configs."""
    md.cluster_id = snap["cluster_id"]
    md.controller_id = snap["controller_id"]
    md.brokers = {b["id"]: broker_from_json(b) for b in snap["brokers"]}
    topics, configs = {}, {}
    for d in snap["topics"]:
        t, c = topic_from_json(d)
        topics[t.name], configs[t.name] = t, c
    md.topics = topics
    return configs
