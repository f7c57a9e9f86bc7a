"""netlab's static prediction of a three-voter KRaft quorum (netlab/kafka/quorum_rules.py): which
voter links it needs and whether it forms, from the topology alone (no root, no kernel)."""

from __future__ import annotations

from kafkaworlds import add_broker

from netlab.kafka.predict_rules import predict_probe, registered
from netlab.kafka.quorum_rules import needed_links, possible_leaders, quorum_forms
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
    w = three_voters({3})
    voters = w.brokers[0].voters
    assert possible_leaders(w, voters, reach(w)) == [1, 2]
    assert quorum_forms(w, voters, reach(w))
    assert all(registered(w, b) for b in w.brokers)  # node 3 reaches the leader from its side
    listed = predict_probe(w, "kafka-1", "kafka-1:9092").brokers
    assert [b.node_id for b in listed] == [1, 2, 3]


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
