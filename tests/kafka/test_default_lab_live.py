"""End to end on the default lab, built by the lab engine with its own broker (node `broker`, the
quickstart listeners: INTERNAL://0.0.0.0:29092 advertised broker:29092, EXTERNAL_SAME_HOST://
0.0.0.0:9092 advertised localhost:9092, 9092 published on host). `check` (live probe + real
clients in each node) must equal `predict` (World from the resolved topology) and the expected
causes. (tests/topologies runs the file's own `clients:`; these rows add a few more.)"""

from __future__ import annotations

import secrets

import pytest
from kafkalab import PYTHON

from netlab import lab as labapi
from netlab.brokers import wait_started
from netlab.kafka.check import (
    CheckPlan,
    ClientCheck,
    Expectation,
    check,
    disagreements,
    expectation_mismatch,
    predict,
)
from netlab.kafka.lab_world import world_from_resolved
from netlab.kafka.predict_rules import broker_view
from netlab.plan import compile_plan
from netlab.topology import DEFAULT_TOPOLOGY, loads_topology, netns_name, resolve

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

PROPS = {
    "node.id": "1",
    "listeners": "INTERNAL://0.0.0.0:29092,EXTERNAL_SAME_HOST://0.0.0.0:9092",
    "advertised.listeners": "INTERNAL://broker:29092,EXTERNAL_SAME_HOST://localhost:9092",
    "listener.security.protocol.map": "INTERNAL:PLAINTEXT,EXTERNAL_SAME_HOST:PLAINTEXT",
    "inter.broker.listener.name": "INTERNAL",
}
ROWS = [
    ("host", "localhost:9092", "kafka-python", None),  # tries every address of localhost
    ("host", "broker:29092", "kcat", "bootstrap_unresolved"),
    ("host", "10.5.0.3:29092", "kcat", "advertised_unresolved"),
    ("client-1", "broker:29092", "kcat", None),
    ("client-1", "broker:9092", "kcat", "advertised_refused"),
    ("client-1", "localhost:9092", "kcat", "bootstrap_refused"),
    ("client-1", "host.docker.internal:9092", "kcat", "advertised_refused"),  # via the published port
    ("client-2", "broker:29092", "kafka-python", None),
]


@pytest.fixture(scope="module")
def default_lab():
    name = "kd" + secrets.token_hex(3)
    text = (
        "\n".join(
            f"lab: {name}" if line.startswith("lab:") else line
            for line in DEFAULT_TOPOLOGY.read_text().splitlines()
        )
        + "\n"
    )
    topology = loads_topology(text, str(DEFAULT_TOPOLOGY))
    labapi.apply(compile_plan(topology), topology_text=text)
    try:
        assert [b.state for b in wait_started(name)] == ["started"]
        prefixes = {n: ["ip", "netns", "exec", netns_name(name, n)] for n in topology.nodes}
        yield topology, prefixes
    finally:
        labapi.destroy(name)


def test_check_equals_predict_and_expectations(default_lab):
    topology, prefixes = default_lab
    world = world_from_resolved(resolve(topology))
    world.brokers.append(broker_view("broker", PROPS, world.vantage("broker")))
    plan = CheckPlan(clients=[ClientCheck(node, bootstrap, client) for node, bootstrap, client, _ in ROWS])
    live = check(world, plan, prefixes, timeout=4, python=PYTHON)
    assert disagreements(live, predict(world, plan)) == []
    for v, (_, _, _, cause) in zip(live, ROWS, strict=True):
        assert expectation_mismatch(v, Expectation(cause is None, cause)) is None, v
        if not v.ok:
            assert v.client_error and v.reason
    host_internal = live[2]
    assert host_internal.reason == (
        "bootstrap reached listener INTERNAL on broker, which advertises broker:29092; the name broker "
        "does not resolve on host (it resolves only on network kafka-net) — advertise an address host can "
        "reach (advertised.listeners=INTERNAL://... on broker), e.g. localhost:9092 through the published "
        "port"
    )
    assert host_internal.client_error.startswith(
        "Failed to resolve 'broker:29092': Name or service not known"
    )


def test_localhost_on_the_host_takes_both_families(default_lab):
    """localhost is ::1 first; the published port listens on both families as docker-proxy does,
    so a client that tries one address per attempt (librdkafka) works at once: no warning
    predicted, and the live probe connects at the first address."""
    topology, prefixes = default_lab
    world = world_from_resolved(resolve(topology))
    world.brokers.append(broker_view("broker", PROPS, world.vantage("broker")))
    plan = CheckPlan(
        clients=[ClientCheck("host", "localhost:9092", "kcat"), ClientCheck("host", "[::1]:9092", "kcat")]
    )
    predicted = predict(world, plan)
    assert [(v.ok, v.warning) for v in predicted] == [(True, None), (True, None)]
    live = check(world, plan, prefixes, timeout=4, python=PYTHON)
    assert disagreements(live, predicted) == []
    assert all(v.ok and v.warning is None for v in live), live
