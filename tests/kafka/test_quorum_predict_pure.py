"""netlab's static prediction of a three-voter KRaft quorum (netlab/kafka/quorum_rules.py): which
voter links it needs and whether it forms, from the topology alone (no root, no kernel)."""

from __future__ import annotations

from kafkaworlds import add_broker

from netlab.kafka.predict_rules import predict_probe, registered
from netlab.kafka.quorum_rules import (
    disruptive_voters,
    learnt_voters,
    needed_links,
    possible_leaders,
    quorum_forms,
)
from netlab.kafka.views import world_from_networks

VOTERS = ",".join(f"{n}@kafka-{n}:9093" for n in (1, 2, 3))


def three_voters(loopback: set[int]):
    """Three combined nodes; the nodes in `loopback` bind CONTROLLER to 127.0.0.1."""
    w = world_from_networks({"kafka-net": {f"kafka-{n}": f"10.6.0.{n + 1}" for n in (1, 2, 3)}})
    for n in (1, 2, 3):
        ctrl = "127.0.0.1" if n in loopback else f"kafka-{n}"
        add_broker(
            w,
            f"kafka-{n}",
            {
                "node.id": str(n),
                "process.roles": "broker,controller",
                "controller.listener.names": "CONTROLLER",
                "controller.quorum.voters": VOTERS,
                "inter.broker.listener.name": "PLAINTEXT",
                "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "listeners": f"PLAINTEXT://kafka-{n}:9092,CONTROLLER://{ctrl}:9093",
                "advertised.listeners": f"PLAINTEXT://kafka-{n}:9092",
            },
        )
    return w


def reach(w):
    return lambda node, ep: predict_probe(w, node, ep, link=True).ok


def test_needed_links_are_every_ordered_voter_pair():
    w = three_voters(set())
    assert needed_links(w.brokers[0].voters) == [(1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2)]


def test_quorum_forms_without_the_voter_bound_to_loopback():
    """Node 3 binds CONTROLLER to its own loopback: 1 and 2 can lead and every broker registers
    (3 dials out to the leader); 3 is named as the voter that may depose them before it hears of
    the leader (Kafka 3.7 has no pre-vote), which a prediction cannot time."""
    w = three_voters({3})
    voters = w.brokers[0].voters
    r = reach(w)
    assert possible_leaders(w, voters, r) == [1, 2]
    assert quorum_forms(w, voters, r)
    assert disruptive_voters(w, voters, r, 1) == [3] and disruptive_voters(w, voters, r, 2) == [3]
    assert all(registered(w, b) for b in w.brokers)  # node 3 reaches the leader from its side
    listed = predict_probe(w, "kafka-1", "kafka-1:9092").brokers
    assert [b.node_id for b in listed] == [1, 2, 3]


def test_voter_that_reaches_nobody_does_not_disrupt():
    """A voter that did not start disturbs nobody: 1 and 2 lead without a disruptive voter."""
    w = three_voters(set())
    w.brokers[2].start_error = "Socket server failed to bind to kafka-3:9092: Address already in use."
    voters = w.brokers[0].voters
    assert possible_leaders(w, voters, reach(w)) == [1, 2]
    assert disruptive_voters(w, voters, reach(w), 1) == []
    assert registered(w, w.brokers[0]) and registered(w, w.brokers[1])


def test_no_quorum_when_two_voters_are_unreachable():
    w = three_voters({2, 3})
    voters = w.brokers[0].voters
    assert possible_leaders(w, voters, reach(w)) == []
    assert not quorum_forms(w, voters, reach(w))
    assert not any(registered(w, b) for b in w.brokers)
    assert predict_probe(w, "kafka-1", "kafka-1:9092").brokers == []


def test_no_quorum_when_two_voters_do_not_start():
    w = three_voters(set())
    for b in w.brokers[1:]:
        b.start_error = "Socket server failed to bind to kafka-2:9092: Address already in use."
    assert not quorum_forms(w, w.brokers[0].voters, reach(w))
    assert not registered(w, w.brokers[0])


def controllers_and_bootstrap_broker(bootstrap: str, loopback: set[int] = frozenset()):
    """Three dedicated controllers (c1–c3, CONTROLLER on 9093; those in `loopback` bind it to
    127.0.0.1) and broker 4 that lists only controller.quorum.bootstrap.servers."""
    members = {f"c{n}": f"10.7.0.{n + 1}" for n in (1, 2, 3)} | {"b4": "10.7.0.10"}
    w = world_from_networks({"kraft-net": members})
    voters = ",".join(f"{n}@c{n}:9093" for n in (1, 2, 3))
    for n in (1, 2, 3):
        host = "127.0.0.1" if n in loopback else f"c{n}"
        add_broker(
            w,
            f"c{n}",
            {
                "node.id": str(n),
                "process.roles": "controller",
                "controller.listener.names": "CONTROLLER",
                "controller.quorum.voters": voters,
                "listener.security.protocol.map": "CONTROLLER:PLAINTEXT",
                "listeners": f"CONTROLLER://{host}:9093",
                "cluster.id": "kraftPredictCluster001",
            },
        )
    add_broker(
        w,
        "b4",
        {
            "node.id": "4",
            "process.roles": "broker",
            "controller.listener.names": "CONTROLLER",
            "controller.quorum.bootstrap.servers": bootstrap,
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "listeners": "PLAINTEXT://b4:9092",
            "advertised.listeners": "PLAINTEXT://b4:9092",
            "inter.broker.listener.name": "PLAINTEXT",
            "cluster.id": "kraftPredictCluster001",
        },
    )
    return w


def test_bootstrap_only_broker_learns_the_voters_and_registers():
    w = controllers_and_bootstrap_broker("c1:9093")
    b4 = w.brokers[-1]
    assert b4.voters == {} and b4.controller_bootstrap == [("c1", 9093)]
    assert learnt_voters(w, b4) == {1: ("c1", 9093), 2: ("c2", 9093), 3: ("c3", 9093)}
    assert registered(w, b4)
    assert [b.node_id for b in predict_probe(w, "b4", "b4:9092").brokers] == [4]


def test_bootstrap_only_broker_that_reaches_no_controller_never_registers():
    # a broker listener answers no controller API; c1 is bound to its own loopback
    for bootstrap, loopback in (("b4:9092", set()), ("c1:9093", {1})):
        w = controllers_and_bootstrap_broker(bootstrap, loopback)
        b4 = w.brokers[-1]
        assert learnt_voters(w, b4) is None, bootstrap
        assert not registered(w, b4)
        assert predict_probe(w, "b4", "b4:9092").brokers == []


def test_bootstrap_servers_are_tried_in_order():
    w = controllers_and_bootstrap_broker("b4:9092,c2:9093")
    assert learnt_voters(w, w.brokers[-1]) is not None  # a broker listener closes, c2 answers
    assert registered(w, w.brokers[-1])
