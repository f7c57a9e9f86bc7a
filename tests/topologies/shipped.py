"""The shipped topologies (topologies/*.yaml, not examples/) and helpers shared by their tests."""

from __future__ import annotations

import secrets
from pathlib import Path

from netlab.topology import loads_topology
from netlab.topology.kafka_fields import broker_properties

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "topologies").glob("*.yaml"))


def load(path: Path, lab: str | None = None):
    """The topology of `path`, renamed to `lab` when given (so a test never touches a user's lab);
    returns (text, the Resolved topology)."""
    text = path.read_text()
    if lab is not None:
        lines = text.splitlines()
        i = next(i for i, line in enumerate(lines) if line.startswith("lab:"))
        lines[i] = f"lab: {lab}"
        text = "\n".join(lines) + "\n"
    return text, loads_topology(text, str(path))


def fresh_lab_name() -> str:
    return "tt" + secrets.token_hex(4)


def cluster_refusal(topology) -> str | None:  # a Resolved topology
    """Ask the broker whether it runs these configs: the first reason it refuses one that Kafka
    accepts (a multi-node KRaft role it does not support yet), or None. Kafka-invalid configs are
    the topology's point, not a refusal."""
    from broker.config import KafkaConfig

    for node, spec in topology.topology.nodes.items():
        if spec.broker is None:
            continue
        try:
            config = KafkaConfig(broker_properties(spec.broker), warn=lambda *_: None)
        except Exception:  # Kafka refuses it: that is the expected result of the topology
            continue
        reasons = getattr(config, "unsupported_reasons", lambda: [])()
        if reasons:
            return f"{node}: {reasons[0]}"
    return None
