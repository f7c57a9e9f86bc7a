"""The controller state written to `__cluster_metadata-0`: one record per change, whose value is
the whole state as JSON (brokers with their registration, topics with partitions, configs).

Kafka writes a delta of typed metadata records instead (RegisterBrokerRecord, TopicRecord,
PartitionRecord, ...); docs/cluster.md says so. Whole states keep replay trivial: the last
committed record is the state."""

from __future__ import annotations

import json
import uuid

from ..cluster.metadata import BrokerEndpoint, BrokerInfo
from ..cluster.snapshot import topic_from_json, topic_to_json


def encode(controller, version: int) -> bytes:
    regs = []
    for bid, r in sorted(controller.registrations.items()):
        regs.append(
            {
                "id": bid,
                "rack": r.info.rack,
                "endpoints": {k: [e.host, e.port] for k, e in r.info.endpoints.items()},
                "epoch": r.epoch,
                "incarnation": str(r.incarnation),
                "fenced": r.fenced,
            }
        )
    md = controller.metadata
    body = {
        "version": version,
        "cluster_id": md.cluster_id,
        "registrations": regs,
        "topics": [topic_to_json(t, controller.topic_configs.get(t.name)) for t in md.topics.values()],
    }
    return json.dumps(body, separators=(",", ":")).encode()


def decode(value: bytes) -> dict:
    return json.loads(value)


def load_into(controller, state: dict, now: float) -> None:
    """Replace the controller's brokers and topics with `state`; every session restarts at `now`
    (Kafka's new active controller gives every broker a fresh session too)."""
    from ..cluster.controller import Registration

    md = controller.metadata
    md.brokers, md.topics = {}, {}
    controller.registrations, controller.topic_configs = {}, {}
    for r in state["registrations"]:
        info = BrokerInfo(r["id"], {k: BrokerEndpoint(h, p) for k, (h, p) in r["endpoints"].items()}, r["rack"])
        controller.registrations[r["id"]] = Registration(
            info, r["epoch"], uuid.UUID(r["incarnation"]), now, fenced=r["fenced"]
        )
        if not r["fenced"]:
            md.brokers[r["id"]] = info
        controller._next_epoch = max(controller._next_epoch, r["epoch"])
    for d in state["topics"]:
        t, c = topic_from_json(d)
        md.topics[t.name] = t
        controller.topic_configs[t.name] = c
    controller.version = state["version"]


def to_snapshot(state: dict, controller_id: int) -> dict:
    """The committed state as brokers apply it (broker/cluster/snapshot.py's shape): unfenced
    brokers only, the active controller's id."""
    return {
        "version": state["version"],
        "cluster_id": state["cluster_id"],
        "controller_id": controller_id,
        "brokers": [
            {"id": r["id"], "rack": r["rack"], "endpoints": r["endpoints"]}
            for r in state["registrations"]
            if not r["fenced"]
        ],
        "topics": state["topics"],
    }
