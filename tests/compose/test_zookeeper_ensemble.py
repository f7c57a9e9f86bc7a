"""A ZooKeeper ensemble in a compose file runs as a real ensemble (cp-zookeeper's configure and
zookeeper.properties.template: ZOOKEEPER_SERVERS split on `;`, numbered from 1, myid from
ZOOKEEPER_SERVER_ID), and predict knows a quorum needs a majority: here zoo3 is on a network of its
own, so zoo1 and zoo2 (2 of 3) form the quorum and zoo3 never serves. A broker that knows only
zoo3 times out connecting, as Kafka does; one that knows zoo1 registers. Predicted, then live."""

from __future__ import annotations

import textwrap

import pytest
from support import ZK_MODE_CLIENT_TIMEOUT
from zk_words import mode, quorum_shape, srvr_once_formed

from netlab.compose import ComposeOptions, compose_lab
from netlab.kafka.lab_report import predicted_report
from netlab.kafka.zk_rules import ZK_TIMEOUT

ZK = """
  zoo{i}:
    image: confluentinc/cp-zookeeper:7.8.0
    hostname: zoo{i}
    networks: [{nets}]
    environment:
      ZOOKEEPER_CLIENT_PORT: 2181
      ZOOKEEPER_SERVER_ID: {i}
      ZOOKEEPER_SERVERS: zoo1:2888:3888;zoo2:2888:3888;zoo3:2888:3888
"""
KAFKA = """
  {name}:
    image: confluentinc/cp-kafka:7.8.0
    hostname: {name}
    networks: [quorum, alone, third]
    environment:
      KAFKA_BROKER_ID: {id}
      KAFKA_ZOOKEEPER_CONNECT: {zk}:2181
      KAFKA_ZOOKEEPER_CONNECTION_TIMEOUT_MS: 3000
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://{name}:9092
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 1
"""


def compose_file(tmp_path, zoo2_net: str = "quorum"):
    text = "services:" + "".join(
        textwrap.indent(textwrap.dedent(ZK.format(i=i, nets=n)), "  ")
        for i, n in ((1, "quorum"), (2, zoo2_net), (3, "alone"))
    )
    text += "".join(
        textwrap.indent(textwrap.dedent(KAFKA.format(name=n, id=i, zk=z)), "  ")
        for n, i, z in (("kafkaok", 1, "zoo1"), ("kafkalost", 2, "zoo3"))
    )
    text += "networks:\n  quorum: {}\n  alone: {}\n  third: {}\n"
    path = tmp_path / "docker-compose.yml"
    path.write_text(text)
    return path


def _start_rows(report):
    return {
        v.from_node: v
        for v, kind in zip(report.verdicts, report.kinds, strict=True)
        if kind == "start" and v.from_node.startswith("kafka")
    }


def test_predict_a_majority_serves_and_the_member_outside_does_not(tmp_path):
    lab = compose_lab(compose_file(tmp_path), ComposeOptions(project="zkens", lan_ip=None))
    zk = lab.topology.nodes["zoo2"].zookeeper
    assert zk.server_id == 2 and zk.servers == {1: "zoo1:2888:3888", 2: "zoo2:2888:3888", 3: "zoo3:2888:3888"}
    rows = _start_rows(predicted_report(lab.topology))
    assert rows["kafkaok"].ok
    assert not rows["kafkalost"].ok and ZK_TIMEOUT in (rows["kafkalost"].reason or "")


def test_predict_no_majority_no_zookeeper_serves(tmp_path):
    """zoo1, zoo2 and zoo3 each on a network of their own: no two members reach each other, so no
    member serves and both brokers time out."""
    lab = compose_lab(compose_file(tmp_path, zoo2_net="third"), ComposeOptions(project="zkens", lan_ip=None))
    rows = _start_rows(predicted_report(lab.topology))
    assert not rows["kafkaok"].ok and not rows["kafkalost"].ok


def test_a_single_server_line_stays_standalone(tmp_path):
    path = tmp_path / "docker-compose.yml"
    path.write_text(
        "services:\n  zoo1:\n    image: confluentinc/cp-zookeeper:7.8.0\n    environment:\n"
        "      ZOOKEEPER_CLIENT_PORT: 2181\n      ZOOKEEPER_SERVER_ID: 1\n"
        "      ZOOKEEPER_SERVERS: zoo1:2888:3888\n"
    )
    zk = compose_lab(path, ComposeOptions(project="zkens", lan_ip=None)).topology.nodes["zoo1"].zookeeper
    assert not zk.ensemble and zk.servers == {}


def test_cp_zookeeper_ensemble_needs_a_server_id(tmp_path):
    path = tmp_path / "docker-compose.yml"
    path.write_text(
        "services:\n  zoo1:\n    image: confluentinc/cp-zookeeper:7.8.0\n    environment:\n"
        "      ZOOKEEPER_CLIENT_PORT: 2181\n      ZOOKEEPER_SERVERS: zoo1:2888:3888;zoo2:2888:3888\n"
    )
    lab = compose_lab(path, ComposeOptions(project="zkens", lan_ip=None))
    assert lab.translation.roles["zoo1"].entrypoint_error == "ZOOKEEPER_SERVER_ID is required."
    assert lab.topology.nodes["zoo1"].zookeeper is None


def test_official_image_takes_complete_server_lines(tmp_path):
    path = tmp_path / "docker-compose.yml"
    path.write_text(
        "services:\n  zk2:\n    image: zookeeper:3.8\n    environment:\n      ZOO_MY_ID: 2\n"
        "      ZOO_SERVERS: server.1=zk1:2888:3888;2181 server.2=zk2:2888:3888;2181\n"
    )
    zk = compose_lab(path, ComposeOptions(project="zkens", lan_ip=None)).topology.nodes["zk2"].zookeeper
    assert zk.server_id == 2 and zk.servers == {1: "zk1:2888:3888;2181", 2: "zk2:2888:3888;2181"}
    assert zk.settings == {"initLimit": "5", "syncLimit": "2"}  # the image's ZOO_INIT_LIMIT/ZOO_SYNC_LIMIT


@pytest.mark.root
@pytest.mark.slow
def test_live_the_majority_serves_and_the_member_outside_does_not(tmp_path):
    from netlab import lab as labapi
    from netlab.compose.topology_out import to_yaml
    from netlab.kafka.lab_report import broker_logs, live_report
    from netlab.lab.brokers import wait_started
    from netlab.plan import compile_plan
    from netlab.resources import Namespace

    lab = compose_lab(compose_file(tmp_path), ComposeOptions(project="zkens3", lan_ip=None))
    plan = compile_plan(lab.topology)
    labapi.apply(plan, topology_text=to_yaml(lab.translation, ["zookeeper ensemble test"]))
    try:
        started = {b.node: b for b in wait_started(plan.lab, timeout=20)}
        assert started["kafkaok"].state == "started", started
        assert started["kafkalost"].state == "failed" and "ZooKeeperClientTimeoutException" in (
            started["kafkalost"].error or ""
        ), started
        prefixes = {s.node: ["ip", "netns", "exec", s.netns] for s in plan.of_kind(Namespace)}
        logs = broker_logs(plan.lab, lab.topology)
        report = live_report(plan.lab, lab.topology, prefixes, logs, timeout=ZK_MODE_CLIENT_TIMEOUT)
        assert report.disagreements() == [], report.disagreements()
        zoo = {s.node: (s.netns, 2181) for s in plan.of_kind(Namespace) if s.node.startswith("zoo")}
        srvr = srvr_once_formed(zoo, [["zoo1", "zoo2"]])  # zoo1 may join zoo2 a moment after `up`
        assert quorum_shape([mode(srvr[n]) for n in ("zoo1", "zoo2")]), srvr
        assert mode(srvr["zoo3"]) == "not serving", srvr
    finally:
        labapi.destroy(plan.lab)


@pytest.mark.parametrize("value", ["zookeeper:twentyone", "zookeeper:0", "zk1:2181,:2181"])
def test_a_bad_zookeeper_port_is_a_located_error(tmp_path, value):
    """Not dropped: exit 2 at the variable that wrote it, nothing built."""
    from netlab.errors import InputError

    path = tmp_path / "docker-compose.yml"
    path.write_text(
        "services:\n  kafka:\n    image: confluentinc/cp-kafka:7.8.0\n    environment:\n"
        f"      KAFKA_BROKER_ID: 1\n      KAFKA_ZOOKEEPER_CONNECT: '{value}'\n"
        "      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka:9092\n"
    )
    with pytest.raises(InputError) as e:
        compose_lab(path, ComposeOptions(project="zkens", lan_ip=None))
    assert e.value.exit_code == 2
    assert str(e.value).startswith(f"{path}:6: services.kafka.environment.KAFKA_ZOOKEEPER_CONNECT: ")
    assert "is not host:port (a port 1-65535)" in str(e.value)


def test_a_bad_zookeeper_port_in_a_topology_is_located():
    from netlab.errors import InputError
    from netlab.topology import loads_topology

    with pytest.raises(InputError) as e:
        loads_topology(
            "lab: zkbad\nnodes:\n  b:\n    broker:\n      zookeeper.connect: 'zk:x/kafka'\n", "t.yaml"
        )
    assert str(e.value).startswith("t.yaml:4: nodes.b.broker: zookeeper.connect: 'zk:x' is not host:port")
