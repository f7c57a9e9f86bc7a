"""The quickstart picture of issue 7 built from three namespaces: `host` holds the bridge and
publishes port 9092 (netlab's port proxy, as docker-proxy), `broker` runs the broker with
INTERNAL://0.0.0.0:29092 advertised as broker:29092 and EXTERNAL_SAME_HOST://0.0.0.0:9092 advertised
as localhost:9092, `client` is a container on the same network. Live probes from host and client
must give the verdicts the predictor gives for the same picture."""

from __future__ import annotations

import json
import subprocess

import pytest
from kafkalab import PYTHON, Netns, start_broker

from netlab.kafka.check import (
    CheckPlan,
    ClientCheck,
    Expectation,
    check,
    disagreements,
    expectation_mismatch,
    predict,
)
from netlab.kafka.clients import run_client
from netlab.kafka.explain import verdict
from netlab.kafka.predict_rules import broker_view, predict_probe
from netlab.kafka.results import AdvertisedBroker, ProbeResult, Stage
from netlab.kafka.views import PublishedPort, Vantage, World
from netlab.relays import READY_LINE

pytestmark = pytest.mark.root

NET = {"host": "10.77.0.1", "broker": "10.77.0.2", "client": "10.77.0.3"}
PROPS = {
    "node.id": "1",
    "listeners": "INTERNAL://0.0.0.0:29092,EXTERNAL_SAME_HOST://0.0.0.0:9092",
    "advertised.listeners": "INTERNAL://broker:29092,EXTERNAL_SAME_HOST://localhost:9092",
    "listener.security.protocol.map": "INTERNAL:PLAINTEXT,EXTERNAL_SAME_HOST:PLAINTEXT",
    "inter.broker.listener.name": "INTERNAL",
}
PUBLISHED = [
    PublishedPort("host", "0.0.0.0", 9092, NET["broker"], 9092),
    PublishedPort("host", "0.0.0.0", 9093, NET["broker"], 9093),
]  # a port whose target is closed


def world() -> World:
    on_net = {"broker": [NET["broker"]], "client": [NET["client"]]}  # Docker's DNS: names on the network

    def v(node: str, names: dict) -> Vantage:
        return Vantage(node, names, [NET[node]], {a: n for n, a in NET.items() if n != node}, ["kafka-net"])

    vs = {"host": v("host", {}), "broker": v("broker", on_net), "client": v("client", on_net)}
    w = World(vs, published=PUBLISHED, name_scopes={"broker": ["kafka-net"], "client": ["kafka-net"]})
    w.brokers.append(broker_view("broker", PROPS, vs["broker"]))
    return w


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    made: list[Netns] = []
    procs: list = []
    try:
        host = Netns("host")
        made.append(host)
        names = {"broker": NET["broker"], "client": NET["client"]}
        broker, client = Netns("broker", names), Netns("client", names)
        made += [broker, client]
        host.bridge("br-kafka", NET["host"] + "/24")
        host.attach(broker, "br-kafka", "vbroker", NET["broker"] + "/24")
        host.attach(client, "br-kafka", "vclient", NET["client"] + "/24")
        b = start_broker(PROPS, tmp_path_factory.mktemp("docker-like"), broker.prefix)
        procs.append(b)
        assert b.proc.poll() is None, b.output()
        proxy = host.popen(
            PYTHON,
            "-m",
            "netlab.relays.portproxy",
            *(f"tcp:{p.listen_host}:{p.listen_port}={p.target_host}:{p.target_port}" for p in PUBLISHED),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        procs.append(proxy)
        assert READY_LINE in proxy.stdout.readline()
        yield {"host": host, "broker": broker, "client": client}
    finally:
        for p in procs:
            if hasattr(p, "stop"):
                p.stop()
            else:
                p.terminate()
                p.wait(5)
        for ns in reversed(made):
            ns.destroy()


def live(ns: Netns, bootstrap: str) -> ProbeResult:
    cp = ns.run(PYTHON, "-m", "netlab.kafka.probe", "--bootstrap", bootstrap, "--json", "--timeout", "3")
    assert cp.returncode in (0, 1), cp.stderr
    d = json.loads(cp.stdout)
    return ProbeResult(
        d["bootstrap"], [Stage(**s) for s in d["stages"]], [AdvertisedBroker(**b) for b in d["brokers"]]
    )


EXPECTED = [
    ("host", "localhost:9092", True, None),
    ("host", "broker:29092", False, "bootstrap_unresolved"),
    ("host", "10.77.0.2:29092", False, "advertised_unresolved"),
    ("host", "localhost:29092", False, "bootstrap_refused"),  # 29092 is not published
    ("host", "localhost:9093", False, "bootstrap_not_kafka"),  # published, but nothing behind it
    ("client", "broker:29092", True, None),
    ("client", "broker:9092", False, "advertised_refused"),  # localhost:9092 is the client's own loopback
    ("client", "localhost:9092", False, "bootstrap_refused"),
    ("client", "10.99.0.1:9092", False, "bootstrap_unreachable"),  # no route in a lab without one
]


@pytest.mark.parametrize("node,bootstrap,ok,cause", EXPECTED, ids=[f"{e[0]}-{e[1]}" for e in EXPECTED])
def test_live_verdict_is_expected_and_predicted(lab, node, bootstrap, ok, cause):
    w = world()
    got = verdict(w, node, live(lab[node], bootstrap))
    predicted = verdict(w, node, predict_probe(w, node, bootstrap))
    assert (got.ok, got.cause) == (ok, cause), got
    assert got.comparable() == predicted.comparable()
    assert got.reason == predicted.reason  # same world, same stage → same sentence


def test_the_sentence_names_cause_and_fix(lab):
    w = world()
    v = verdict(w, "host", live(lab["host"], "10.77.0.2:29092"))
    assert v.reason == (
        "bootstrap reached listener INTERNAL on broker, which advertises broker:29092; the name broker "
        "does not resolve on host (it resolves only on network kafka-net) — advertise an address host can "
        "reach (advertised.listeners=INTERNAL://... on broker), e.g. localhost:9092 through the published "
        "port"
    )
    v = verdict(w, "client", live(lab["client"], "broker:9092"))
    assert "which advertises localhost:9092" in v.reason and "client's own loopback" in v.reason
    assert "e.g. broker:9092" in v.reason


@pytest.mark.clients
def test_real_client_through_the_published_port(lab):
    r = run_client("kcat", "localhost:9092", prefix=lab["host"].prefix, timeout=4)
    assert r.ok, r
    r = run_client("kcat", "broker:9092", prefix=lab["client"].prefix, timeout=4)
    assert not r.ok and r.client_error.startswith(
        "Connect to ipv4#127.0.0.1:9092 failed: Connection refused"
    ), r
    w = world()
    v = verdict(w, "client", predict_probe(w, "client", "broker:9092"), r)
    assert v.client_error == r.client_error and v.cause == "advertised_refused"


@pytest.mark.clients
@pytest.mark.slow
def test_check_with_kcat_agrees_with_predict_and_expectations(lab):
    """The core of `netlab check`: probe + real client per row, in parallel, against predict."""
    w = world()
    plan = CheckPlan(clients=[ClientCheck(node, bootstrap, "kcat") for node, bootstrap, _, _ in EXPECTED])
    prefixes = {name: ns.prefix for name, ns in lab.items()}
    live_verdicts = check(w, plan, prefixes, timeout=4, python=PYTHON)
    assert disagreements(live_verdicts, predict(w, plan)) == []
    for v, (_, _, ok, cause) in zip(live_verdicts, EXPECTED, strict=True):
        assert expectation_mismatch(v, Expectation(ok, cause)) is None, v
        assert v.client == "kcat" and (v.ok or v.client_error)
    by_to = {(v.from_node, v.to): v for v in live_verdicts}
    assert by_to[("host", "10.77.0.2:29092")].client_error.startswith("Failed to resolve 'broker:29092'")
