"""Kafka's bind failures, predicted by predict_rules.bind_error and produced by the real broker
inside a throwaway namespace (whose only address is loopback)."""

from __future__ import annotations

import pytest

from conftest import TWO_LISTENERS
from kafkalab import Netns, fatal_line, run_broker_to_exit, start_broker
from netlab.kafka.predict_rules import broker_view
from netlab.kafka.views import Vantage

pytestmark = pytest.mark.root

CASES = [
    # topology 4 of issue 7: a LAN address inside a container
    ("foreign-address", {"listeners": "EXTERNAL://192.168.8.133:9091", "listener.security.protocol.map": "EXTERNAL:PLAINTEXT",
                         "advertised.listeners": "EXTERNAL://192.168.8.133:9091", "inter.broker.listener.name": "EXTERNAL"},
     "org.apache.kafka.common.KafkaException: Socket server failed to bind to 192.168.8.133:9091: "
     "Cannot assign requested address."),
    ("unresolved-name", {"listeners": "INTERNAL://broker-1:29092", "listener.security.protocol.map": "INTERNAL:PLAINTEXT",
                         "inter.broker.listener.name": "INTERNAL"},
     "org.apache.kafka.common.KafkaException: Socket server failed to bind to broker-1:29092: Unresolved address."),
    ("port-in-use", {"listeners": "PLAINTEXT://127.0.0.1:9092", "advertised.listeners": "PLAINTEXT://localhost:9092"},
     "org.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:9092: Address already in use."),
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


def test_name_of_the_node_binds_its_address(tmp_path):
    """INTERNAL://broker-1:29092 binds broker-1's address when the node's hosts file has it."""
    ns = Netns("named", hosts={"broker-1": "127.0.0.7"})
    try:
        props = {"node.id": "1", "listeners": "INTERNAL://broker-1:29092",
                 "listener.security.protocol.map": "INTERNAL:PLAINTEXT", "inter.broker.listener.name": "INTERNAL"}
        node = Vantage("broker-1", names={"broker-1": ["127.0.0.7"]})
        view = broker_view("broker-1", props, node)
        assert view.running and view.listeners[0].advertised == "broker-1:29092"
        b = start_broker(props, tmp_path, ns.prefix)
        try:
            assert "Awaiting socket connections on 127.0.0.7:29092." in b.output(), b.output()
        finally:
            assert b.stop() == 0
    finally:
        ns.destroy()
