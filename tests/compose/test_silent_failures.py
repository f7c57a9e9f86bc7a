"""What used to go wrong silently (issue 15): cluster ids, refusals predict missed, warnings."""

from __future__ import annotations

import textwrap

from netlab.kafka.lab_report import predicted_report
from netlab.kafka.predict_rules import broker_refusal
from netlab.topology import loads_topology


def lab(nodes: str) -> str:
    return (
        textwrap.dedent(
            """
        lab: compsilent
        nodes:
          host: {}
        """
        )
        + textwrap.indent(textwrap.dedent(nodes), "  ")
        + "networks:\n  net: {}\n"
    )


KRAFT = """
ctl:
  networks: [net]
  broker:
    node.id: 1
    process.roles: controller
    controller.listener.names: CONTROLLER
    listeners: CONTROLLER://:9093
    controller.quorum.voters: 1@ctl:9093
    {ctl_id}
b1:
  networks: [net]
  broker:
    node.id: 2
    process.roles: broker
    controller.listener.names: CONTROLLER
    listeners: PLAINTEXT://:9092
    advertised.listeners: PLAINTEXT://b1:9092
    listener.security.protocol.map: PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
    controller.quorum.voters: 1@ctl:9093
    {b_id}
"""


def starts_and_metadata(ctl_id: str, b_id: str):
    t = loads_topology(
        lab(KRAFT.format(ctl_id=ctl_id, b_id=b_id)) + "clients:\n  - {node: b1, bootstrap: 'b1:9092'}\n"
    )
    rep = predicted_report(t)
    return rep, t


def test_broker_only_node_needs_the_controllers_cluster_id():
    rep, _ = starts_and_metadata("cluster.id: AAAAAAAAAAAAAAAAAAAAAA", "cluster.id: AAAAAAAAAAAAAAAAAAAAAA")
    client = [v for v, k in zip(rep.verdicts, rep.kinds, strict=True) if k == "client"][0]
    assert client.ok
    for ctl, b in (("cluster.id: AAAAAAAAAAAAAAAAAAAAAA", "cluster.id: BBBBBBBBBBBBBBBBBBBBBB"), ("", "")):
        rep, t = starts_and_metadata(ctl, b)
        client = [v for v, k in zip(rep.verdicts, rep.kinds, strict=True) if k == "client"][0]
        assert not client.ok and client.cause == "metadata_failed"  # never registered: lists nobody
        notes = t.notes
        assert any("do not share one cluster.id" in n and "ctl" in n and "b1" in n for n in notes)


def test_predict_refuses_what_the_broker_refuses():
    # a dynamic quorum (KIP-853: bootstrap servers, no voters) is one this broker does not run
    props = {
        "node.id": "1",
        "process.roles": "broker,controller",
        "controller.listener.names": "CONTROLLER",
        "listeners": "PLAINTEXT://:9092,CONTROLLER://:9093",
        "controller.quorum.bootstrap.servers": "a:9093,b:9093",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    }
    refusal = broker_refusal(props)
    assert refusal is not None and refusal.startswith(
        "broker.UnsupportedConfigurationException: controller.quorum.bootstrap.servers names 2 controllers"
    )
    t = loads_topology(lab("a:\n  networks: [net]\n  broker: " + str(props).replace("'", '"') + "\n"))
    start = predicted_report(t).verdicts[0]
    assert not start.ok and start.cause == "broker_not_started"
    assert refusal in start.reason
    # the static quorum the broker does run (issue 13): three voters start
    static = {**props, "controller.quorum.voters": "1@a:9093,2@b:9093,3@c:9093"}
    del static["controller.quorum.bootstrap.servers"]
    assert broker_refusal(static) is None


def test_kraft_controller_listener_defaults_to_plaintext_as_kafka():
    # KafkaConfig.effectiveListenerSecurityProtocolMap: no protocol map in KRaft -> CONTROLLER:PLAINTEXT
    props = {
        "node.id": "1",
        "process.roles": "controller",
        "controller.listener.names": "CONTROLLER",
        "listeners": "CONTROLLER://:9093",
        "controller.quorum.voters": "1@c:9093",
    }
    assert broker_refusal(props) is None
    from netlab.kafka.config_rules import first_config_error

    assert first_config_error(props) is None
    assert broker_refusal({**props, "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT"}).endswith(
        "No security protocol defined for listener CONTROLLER"
    )


def test_validate_warnings_name_the_nodes():
    t = loads_topology(
        lab(
            """
            zkb:
              networks: [net]
              broker:
                zookeeper.connect: zk:2181
                listeners: PLAINTEXT://:9092
            img:
              networks: [net]
              broker:
                KAFKA_BROKER_ID: 3
                KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://img:9092
            """
        )
    )
    notes = t.notes
    assert any(n.startswith("zkb: a ZooKeeper-mode broker without broker.id") for n in notes)
    assert any(n.startswith("img: KAFKA_ADVERTISED_LISTENERS without KAFKA_LISTENERS") for n in notes)


def test_image_cluster_id_variables_are_kept_in_topology_files():
    from netlab.topology.kafka_fields import broker_properties, broker_settings

    for var in ("CLUSTER_ID", "KAFKA_CLUSTER_ID", "KAFKA_KRAFT_CLUSTER_ID"):
        props = broker_properties(broker_settings({var: "AAAAAAAAAAAAAAAAAAAAAA", "KAFKA_NODE_ID": 1}))
        assert props["cluster.id"] == "AAAAAAAAAAAAAAAAAAAAAA", var
        assert props["node.id"] == "1"
