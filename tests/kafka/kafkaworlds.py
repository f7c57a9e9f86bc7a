"""Worlds of the issue's pictures shared by the predictor tests (no root, no kernel)."""

from __future__ import annotations

from netlab.kafka.explain import verdict
from netlab.kafka.predict_rules import broker_view, inter_broker_targets, predict_probe
from netlab.kafka.views import PublishedPort, World, world_from_networks

MAP = "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT"


def add_broker(w: World, node: str, props: dict[str, str]) -> None:
    w.brokers.append(broker_view(node, props, w.vantage(node)))


def five_brokers(broker1_internal: str = "broker-1") -> World:
    """Topologies 2 and 3: five brokers on kafka-networks, EXTERNAL published as localhost:909N."""
    members = {"host": "10.5.0.1", **{f"broker-{n}": f"10.5.0.{10 + n}" for n in range(1, 6)}}
    pub = [PublishedPort("host", "0.0.0.0", 9090 + n, f"10.5.0.{10 + n}", 9090 + n) for n in range(1, 6)]
    w = world_from_networks({"kafka-networks": members}, dns={"kafka-networks"}, published=pub)
    w.vantage("host").names.clear()  # the Docker host does not use the embedded DNS
    for n in range(1, 6):
        bind = broker1_internal if n == 1 else f"broker-{n}"
        add_broker(
            w,
            f"broker-{n}",
            {
                "node.id": str(n),
                "listener.security.protocol.map": MAP,
                "inter.broker.listener.name": "INTERNAL",
                "listeners": f"INTERNAL://{bind}:29092,EXTERNAL://0.0.0.0:{9090 + n}",
                "advertised.listeners": f"INTERNAL://broker-{n}:29092,EXTERNAL://localhost:{9090 + n}",
            },
        )
    return w


def links(w: World) -> list:
    out = []
    for b in w.brokers:
        for _other, endpoint in inter_broker_targets(w, b):
            out.append(verdict(w, b.node, predict_probe(w, b.node, endpoint, link=True)))
    return out
