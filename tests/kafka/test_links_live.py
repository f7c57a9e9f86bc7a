"""Broker-to-broker links, live and predicted: broker-a binds INTERNAL to 127.0.0.1 (topology 3
in miniature), so broker-b cannot reach it, while broker-a reaches broker-b."""

from __future__ import annotations

import pytest
from kafkalab import PYTHON, Netns, start_broker

from netlab.kafka.check import CheckPlan, check, disagreements, links_of, predict
from netlab.kafka.predict_rules import broker_view
from netlab.kafka.views import world_from_networks

pytestmark = pytest.mark.root

NET = {"sw": "10.78.0.1", "broker-a": "10.78.0.2", "broker-b": "10.78.0.3"}
MAP = "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT"


def props(node_id: int, name: str, bind: str) -> dict[str, str]:
    return {
        "node.id": str(node_id),
        "listener.security.protocol.map": MAP,
        "inter.broker.listener.name": "INTERNAL",
        "listeners": f"INTERNAL://{bind}:29092",
        "advertised.listeners": f"INTERNAL://{name}:29092",
    }


PROPS = {"broker-a": props(1, "broker-a", "127.0.0.1"), "broker-b": props(2, "broker-b", "0.0.0.0")}


@pytest.fixture(scope="module")
def brokers(tmp_path_factory):
    made, procs, nodes = [], [], {}
    try:
        sw = Netns("sw")
        made.append(sw)
        sw.bridge("br0", NET["sw"] + "/24")
        names = {n: a for n, a in NET.items() if n != "sw"}
        for i, node in enumerate(("broker-a", "broker-b")):
            ns = nodes[node] = Netns(node, names)
            made.append(ns)
            sw.attach(ns, "br0", f"v{i}", NET[node] + "/24")
            b = start_broker(PROPS[node], tmp_path_factory.mktemp(node), ns.prefix)
            procs.append(b)
            assert b.proc.poll() is None, b.output()
        yield nodes
    finally:
        for b in procs:
            b.stop()
        for ns in reversed(made):
            ns.destroy()


def test_links_live_equal_predicted(brokers):
    w = world_from_networks({"net": NET})
    for node in ("broker-a", "broker-b"):
        w.brokers.append(broker_view(node, PROPS[node], w.vantage(node)))
    plan = CheckPlan(links=links_of(w))
    assert [(link.node, link.endpoint) for link in plan.links] == [
        ("broker-a", "broker-b:29092"),
        ("broker-b", "broker-a:29092"),
    ]
    live = check(w, plan, {n: ns.prefix for n, ns in brokers.items()}, timeout=3, python=PYTHON)
    assert disagreements(live, predict(w, plan)) == []
    a_to_b, b_to_a = live
    assert a_to_b.ok and a_to_b.client == "broker"
    assert (b_to_a.ok, b_to_a.stage, b_to_a.cause) == (False, "connect", "bootstrap_refused")
    assert b_to_a.client_error == "Connection refused"
    assert "listener INTERNAL on broker-a is bound to 127.0.0.1:29092" in b_to_a.reason
    assert b_to_a.reason.endswith(
        "(Kafka logs: Connection to node 1 (broker-a/10.78.0.2:29092) could not be "
        "established. Node may not be available.)"
    )
