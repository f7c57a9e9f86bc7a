"""verdicts.py's pure parts (predict, disagreements, expectations) and the rendering."""

from __future__ import annotations

import pytest
from kafkaworlds import add_broker, five_brokers
from rich.console import Console

from netlab.errors import InputError
from netlab.kafka.render import verdict_report, verdicts_json
from netlab.kafka.results import Verdict
from netlab.kafka.verdicts import (
    CheckPlan,
    ClientCheck,
    Expectation,
    disagreements,
    expectation_mismatch,
    links_of,
    predict,
)
from netlab.kafka.views import world_from_networks


def test_predict_covers_clients_and_links_in_plan_order():
    w = five_brokers("127.0.0.1")
    plan = CheckPlan(
        [ClientCheck("host", "localhost:9091"), ClientCheck("host", "broker-1:29092", "kafka-python")],
        links_of(w),
    )
    vs = predict(w, plan)
    assert len(vs) == 2 + 20
    assert vs[0].ok and vs[0].client == "kcat"
    assert (vs[1].ok, vs[1].cause, vs[1].client) == (False, "bootstrap_unresolved", "kafka-python")
    bad_links = [v for v in vs[2:] if not v.ok]
    assert len(bad_links) == 4 and all(
        v.client == "broker"
        and "(Kafka logs: Connection to node 1 (broker-1/10.5.0.11:29092) could not be established."
        in v.reason
        for v in bad_links
    )


def test_disagreements_name_what_differs():
    a = Verdict("host", "localhost:9092", False, "connect", "localhost:9092", "bootstrap_refused", "r")
    b = Verdict("host", "localhost:9092", True)
    assert disagreements([a], [a]) == []
    assert disagreements([a], [b]) == [
        "host -> localhost:9092: ok: live False, predicted True, stage: live 'connect', predicted None, "
        "target: live 'localhost:9092', predicted None, cause: live 'bootstrap_refused', predicted None"
    ]
    assert disagreements([a, a], [a]) == ["2 live verdicts but 1 predicted ones"]


def test_expectations():
    fail = Verdict("host", "b:1", False, "resolve", "b:1", "bootstrap_unresolved", "why")
    ok = Verdict("host", "b:1", True)
    assert expectation_mismatch(ok, Expectation(True)) is None
    assert expectation_mismatch(fail, Expectation(False, "bootstrap_unresolved")) is None
    assert expectation_mismatch(fail, Expectation(False)) is None
    assert (
        expectation_mismatch(fail, Expectation(True))
        == "host -> b:1: expected to work, but it fails at resolve (bootstrap_unresolved): why"
    )
    assert (
        expectation_mismatch(ok, Expectation(False, "advertised_refused"))
        == "host -> b:1: expected to fail with advertised_refused, but it works"
    )
    assert "expected cause advertised_refused, got bootstrap_unresolved" in expectation_mismatch(
        fail, Expectation(False, "advertised_refused")
    )
    with pytest.raises(InputError, match="unknown cause 'dns'; valid: bootstrap_unresolved"):
        Expectation(False, "dns")
    with pytest.raises(InputError, match="has no cause"):
        Expectation(True, "bootstrap_unresolved")


def test_report_and_json():
    vs = [
        Verdict("host", "localhost:9092", True, client="kcat"),
        Verdict(
            "host",
            "broker:29092",
            False,
            "resolve",
            "broker:29092",
            "bootstrap_unresolved",
            "the name broker does not resolve on host",
            "Failed to resolve 'broker:29092': x",
            "kcat",
        ),
    ]
    console = Console(width=200, record=True, color_system=None)
    console.print(verdict_report(vs))
    text = console.export_text()
    assert "✓" in text and "✗" in text and "bootstrap_unresolved" in text  # the cause column
    assert "2. host → broker:29092: the name broker does not resolve on host" in text
    assert "kcat said: Failed to resolve 'broker:29092': x" in text
    js = verdicts_json(vs)
    assert js[1]["from"] == "host" and js[1]["to"] == "broker:29092" and js[1]["ok"] is False
    assert js[1]["stage"] == "resolve" and js[1]["client_error"].startswith("Failed to resolve")


def test_controller_voter_links_are_checked_too():
    """Three KRaft nodes (broker,controller) with CONTROLLER on 9093: each reaches the other
    voters; node 3 binds CONTROLLER to loopback, so the others cannot reach it."""
    w = world_from_networks({"kafka-net": {f"kafka-{n}": f"10.6.0.{n + 1}" for n in (1, 2, 3)}})
    voters = ",".join(f"{n}@kafka-{n}:9093" for n in (1, 2, 3))
    for n in (1, 2, 3):
        ctrl = "127.0.0.1" if n == 3 else f"kafka-{n}"
        add_broker(
            w,
            f"kafka-{n}",
            {
                "node.id": str(n),
                "process.roles": "broker,controller",
                "controller.listener.names": "CONTROLLER",
                "controller.quorum.voters": voters,
                "inter.broker.listener.name": "PLAINTEXT",
                "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "listeners": f"PLAINTEXT://kafka-{n}:9092,CONTROLLER://{ctrl}:9093",
                "advertised.listeners": f"PLAINTEXT://kafka-{n}:9092",
            },
        )
    assert all(b.running for b in w.brokers) and w.brokers[0].voters[3] == ("kafka-3", 9093)
    links = links_of(w)
    assert len(links) == 6 + 6  # inter-broker pairs, then voter pairs
    vs = predict(w, CheckPlan(links=links))
    bad = [(v.from_node, v.to) for v in vs if not v.ok]
    assert bad == [("kafka-1", "kafka-3:9093"), ("kafka-2", "kafka-3:9093")]
    assert all(v.ok for v in vs[:6])


def test_report_shows_warnings_on_working_rows():
    v = Verdict(
        "host", "localhost:9092", True, client="kcat", warning="localhost resolves on host to more ..."
    )
    console = Console(width=200, record=True, color_system=None)
    console.print(verdict_report([v]))
    assert "1. ⚠ host → localhost:9092: localhost resolves on host to more ..." in console.export_text()


def test_no_way_in_only_when_no_client_could_get_through():
    """A client is stopped early only when its row's probe left it no way in (verdicts.check):
    a failed bootstrap, or every advertised broker failed; with one advertised broker reachable
    a client may still produce (to a partition that broker leads), so it runs to its end."""
    from netlab.kafka.results import AdvertisedBroker, ProbeResult, Stage

    def probe(*bad_ids: int) -> ProbeResult:
        stages = [Stage("resolve", "b:9092", True), Stage("metadata", "b:9092", True)]
        for i in (1, 2):
            ok = i not in bad_ids
            stages.append(Stage("advertised_resolve", f"broker-{i}:9092", ok, detail={"node_id": i}))
        return ProbeResult("b:9092", stages, [AdvertisedBroker(i, f"broker-{i}", 9092) for i in (1, 2)])

    assert not probe().no_way_in  # every stage passed
    assert not probe(2).no_way_in  # broker-1 is reachable: the client may get through
    assert probe(1, 2).no_way_in
    refused = ProbeResult("b:9092", [Stage("resolve", "b:9092", True), Stage("connect", "b:9092", False)])
    assert refused.no_way_in
