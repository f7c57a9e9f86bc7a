"""Kafka's bind failures, predicted by predict_rules.bind_error and produced by the real broker
inside a throwaway namespace (whose only address is loopback)."""

from __future__ import annotations

import pytest
from kafkalab import PYTHON, Netns, fatal_line, run_broker_to_exit, start_broker

from netlab.kafka.check import disagreements, start_verdicts
from netlab.kafka.predict_rules import broker_view
from netlab.kafka.views import Vantage, World

pytestmark = pytest.mark.root

CASES = [
    # topology 4 of issue 7: a LAN address inside a container
    (
        "foreign-address",
        {
            "listeners": "EXTERNAL://192.168.8.133:9091",
            "listener.security.protocol.map": "EXTERNAL:PLAINTEXT",
            "advertised.listeners": "EXTERNAL://192.168.8.133:9091",
            "inter.broker.listener.name": "EXTERNAL",
        },
        (
            "org.apache.kafka.common.KafkaException: Socket server failed to bind to 192.168.8.133:9091: "
            "Cannot assign requested address."
        ),
    ),
    (
        "unresolved-name",
        {
            "listeners": "INTERNAL://broker-1:29092",
            "listener.security.protocol.map": "INTERNAL:PLAINTEXT",
            "inter.broker.listener.name": "INTERNAL",
        },
        (
            "org.apache.kafka.common.KafkaException: Socket server failed to bind to broker-1:29092: "
            "Unresolved address."
        ),
    ),
    (
        "port-in-use",
        {"listeners": "PLAINTEXT://127.0.0.1:9092", "advertised.listeners": "PLAINTEXT://localhost:9092"},
        (
            "org.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:9092: "
            "Address already in use."
        ),
    ),
]


@pytest.mark.parametrize("case_id,props,expected", CASES, ids=[c[0] for c in CASES])
def test_bind_failure_predicted_and_real(kafka_ns, tmp_path, case_id, props, expected):
    ns, _ = kafka_ns  # its broker holds 127.0.0.1:9092 and 127.0.0.1:29092
    node = Vantage("node")  # loopback only, names: localhost
    taken = {("127.0.0.1", 9092), ("127.0.0.1", 29092)}
    predicted = broker_view("node", {"node.id": "2", **props}, node, taken=taken)
    assert predicted.start_error == expected and not predicted.running
    rc, log = run_broker_to_exit({"node.id": "2", **props}, tmp_path, ns.prefix)
    assert rc == 1 and "Fatal error during broker startup. Prepare to shutdown" in log, log
    assert fatal_line(log) == expected, log


@pytest.mark.parametrize(
    "address,error",
    [
        ("127.0.0.7", None),  # the name is the node's own (loopback) address: it binds there
        (
            "192.168.8.133",
            (
                "org.apache.kafka.common.KafkaException: Socket server failed to bind to broker-1:29092: "
                "Cannot assign requested address."
            ),
        ),
    ],
)
def test_a_listener_name_binds_the_address_it_resolves_to(tmp_path, address, error):
    """INTERNAL://broker-1:29092 binds broker-1's address as the node's hosts file gives it."""
    ns = Netns("named", hosts={"broker-1": address})
    try:
        props = {
            "node.id": "1",
            "listeners": "INTERNAL://broker-1:29092",
            "listener.security.protocol.map": "INTERNAL:PLAINTEXT",
            "inter.broker.listener.name": "INTERNAL",
        }
        node = Vantage("broker-1", names={"broker-1": [address]})
        view = broker_view("broker-1", props, node)
        assert view.start_error == error and view.listeners[0].advertised == "broker-1:29092"
        if error is not None:
            rc, log = run_broker_to_exit(props, tmp_path, ns.prefix)
            assert rc == 1 and fatal_line(log) == error, log
            return
        b = start_broker(props, tmp_path, ns.prefix)
        try:
            assert "Awaiting socket connections on broker-1:29092." in b.output(), b.output()
            cp = ns.run(PYTHON, "-m", "netlab.kafka.probe", "--bootstrap", f"{address}:29092", "--link")
            assert cp.returncode == 0, cp.stdout + cp.stderr
        finally:
            assert b.stop() == 0
    finally:
        ns.destroy()


def test_start_verdicts_live_equal_predicted(kafka_ns, tmp_path):
    """A broker that cannot bind is a result (a row), live from its log and predicted alike."""
    ns, _ = kafka_ns
    props = {"node.id": "3", **CASES[0][1]}  # EXTERNAL://192.168.8.133:9091 in the namespace
    world = World({"node": Vantage("node")})
    world.brokers.append(broker_view("node", props, world.vantage("node")))
    _, log = run_broker_to_exit(props, tmp_path, ns.prefix)
    live, predicted = start_verdicts(world, {"node": log}), start_verdicts(world)
    assert disagreements(live, predicted) == []
    assert (live[0].ok, live[0].stage, live[0].cause) == (False, "start", "broker_not_started")
    assert live[0].client_error == CASES[0][2] and live[0].to == "EXTERNAL://192.168.8.133:9091"
