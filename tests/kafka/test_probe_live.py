"""The probe against the real broker inside a throwaway namespace, and prediction against it."""

from __future__ import annotations

import json
import subprocess

import pytest
from kafkalab import PYTHON, TWO_LISTENERS

from netlab.kafka.explain import verdict
from netlab.kafka.predict_rules import broker_view, predict_probe
from netlab.kafka.results import AdvertisedBroker, ProbeResult, Stage
from netlab.kafka.views import Vantage, World

pytestmark = pytest.mark.root

FULL_PATH = [
    "resolve",
    "connect",
    "api_versions",
    "metadata",
    "advertised_resolve",
    "advertised_connect",
    "advertised_api_versions",
]


def probe(ns, bootstrap: str, *extra: str) -> tuple[int, dict]:
    cp = ns.run(
        PYTHON, "-m", "netlab.kafka.probe", "--bootstrap", bootstrap, "--json", "--timeout", "3", *extra
    )
    assert cp.returncode in (0, 1), cp.stderr
    return cp.returncode, json.loads(cp.stdout)


def the_world() -> World:
    """The namespace as the predictor sees it: one node, loopback only, no names but localhost."""
    node = Vantage("node")
    world = World({"node": node}, name_scopes={})
    world.brokers.append(broker_view("node", TWO_LISTENERS, node))
    return world


def test_probe_via_external_is_ok_end_to_end(kafka_ns):
    ns, _ = kafka_ns
    rc, res = probe(ns, "127.0.0.1:9092")
    assert rc == 0 and res["ok"] and res["failed_stage"] is None
    assert [s["name"] for s in res["stages"]] == FULL_PATH
    assert [(b["node_id"], b["host"], b["port"]) for b in res["brokers"]] == [(1, "localhost", 9092)]
    assert res["controller_id"] == 1 and 1 <= res["metadata_version"] <= 9
    md = next(s for s in res["stages"] if s["name"] == "metadata")
    assert md["detail"]["brokers"] == ["1@localhost:9092"]
    assert res["stages"][-1]["detail"]["node_id"] == 1


def test_probe_via_internal_fails_resolving_the_advertised_name(kafka_ns):
    ns, _ = kafka_ns
    rc, res = probe(ns, "127.0.0.1:29092")
    assert rc == 1 and not res["ok"]
    assert [s["name"] for s in res["stages"]] == FULL_PATH[:5]
    assert res["failed_stage"] == "advertised_resolve" and res["failed_target"] == "broker-1:29092"
    assert res["stages"][-1]["error"] == "Name or service not known"


def test_wrong_port_is_refused(kafka_ns):
    ns, _ = kafka_ns
    rc, res = probe(ns, "localhost:9093")
    assert rc == 1 and res["failed_stage"] == "connect"
    assert res["stages"][1]["error"] == "Connection refused"
    assert res["stages"][1]["detail"]["tried"] == [{"address": "127.0.0.1", "error": "Connection refused"}]


def test_unknown_bootstrap_name_fails_at_resolve(kafka_ns):
    ns, _ = kafka_ns
    rc, res = probe(ns, "kafka:9092")
    assert rc == 1 and [s["name"] for s in res["stages"]] == ["resolve"]
    assert res["stages"][0]["error"] == "Name or service not known"


def test_no_route_is_network_unreachable(kafka_ns):
    # The namespace has loopback only: no route, so no packet can leave it.
    ns, _ = kafka_ns
    rc, res = probe(ns, "10.99.0.1:9092")
    assert rc == 1 and res["failed_stage"] == "connect"
    assert res["stages"][1]["error"] == "Network is unreachable"


NOT_KAFKA_SERVER = """
import socket, struct
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7777)); s.listen(); print("listening", flush=True)
while True:
    c, _ = s.accept()
    size = struct.unpack(">i", c.recv(4, socket.MSG_WAITALL))[0]
    c.recv(size, socket.MSG_WAITALL)  # the whole request, so closing later sends no RST
    c.sendall(b"HTTP/1.0 400 Bad Request\\r\\n\\r\\n")
    while c.recv(4096): pass  # until the client closes
    c.close()
"""


def test_a_port_that_is_not_kafka_fails_at_api_versions(kafka_ns):
    ns, _ = kafka_ns
    server = subprocess.Popen(ns.prefix + [PYTHON, "-c", NOT_KAFKA_SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "listening"
        rc, res = probe(ns, "127.0.0.1:7777")
        assert rc == 1 and res["failed_stage"] == "api_versions"
        assert res["stages"][2]["error"] == "not a Kafka answer: not a Kafka response: frame size 1213486160"
    finally:
        server.terminate()
        server.wait(5)


def test_bad_arguments_exit_2(kafka_ns):
    ns, _ = kafka_ns
    cp = ns.run(PYTHON, "-m", "netlab.kafka.probe", "--bootstrap", "localhost")
    assert cp.returncode == 2 and "expected HOST:PORT" in cp.stderr
    cp = ns.run(PYTHON, "-m", "netlab.kafka.probe", "--bootstrap", "localhost:9092", "--timeout", "0")
    assert cp.returncode == 2 and "--timeout" in cp.stderr


def test_text_output_names_the_failing_stage(kafka_ns):
    ns, _ = kafka_ns
    cp = ns.run(PYTHON, "-m", "netlab.kafka.probe", "--bootstrap", "127.0.0.1:29092")
    assert cp.returncode == 1
    assert "result: failed at advertised_resolve (broker-1:29092): Name or service not known" in cp.stdout


@pytest.mark.parametrize(
    "bootstrap",
    ["127.0.0.1:9092", "localhost:9092", "127.0.0.1:29092", "localhost:9093", "kafka:9092", "10.99.0.1:9092"],
)
def test_prediction_equals_the_live_probe(kafka_ns, bootstrap):
    ns, _ = kafka_ns
    _, live = probe(ns, bootstrap)
    world = the_world()
    predicted = predict_probe(world, "node", bootstrap)
    assert [(s.name, s.target, s.ok) for s in predicted.stages] == [
        (s["name"], s["target"], s["ok"]) for s in live["stages"]
    ]
    assert [s.error for s in predicted.stages] == [s["error"] for s in live["stages"]]
    assert [(b.node_id, b.host, b.port) for b in predicted.brokers] == [
        (b["node_id"], b["host"], b["port"]) for b in live["brokers"]
    ]
    # and the verdicts built from each agree on everything comparable
    live_result = ProbeResult(
        live["bootstrap"],
        [Stage(**s) for s in live["stages"]],
        [AdvertisedBroker(**b) for b in live["brokers"]],
    )
    assert verdict(world, "node", live_result).comparable() == verdict(world, "node", predicted).comparable()


def test_link_mode_checks_only_the_endpoint(kafka_ns):
    """A broker reaching another broker's inter-broker endpoint does not follow Metadata."""
    ns, _ = kafka_ns
    rc, res = probe(ns, "127.0.0.1:29092", "--link")
    assert rc == 0 and [s["name"] for s in res["stages"]] == ["resolve", "connect", "api_versions"]
    predicted = predict_probe(the_world(), "node", "127.0.0.1:29092", link=True)
    assert [(s.name, s.ok) for s in predicted.stages] == [(s["name"], s["ok"]) for s in res["stages"]]
