"""ZooKeeper mode, the pure parts: the topology block, zoo.cfg and the process step, Kafka's znode
JSON, the LeaderAndIsr / UpdateMetadata codecs, broker config rules, predict's parsing."""

from __future__ import annotations

import json
import uuid

import pytest
import yaml
from pydantic import ValidationError

from broker.apis import leader_and_isr, update_metadata
from broker.cluster.metadata import BrokerEndpoint
from broker.config import ConfigException, KafkaConfig, RequirementFailed
from broker.zk import znodes
from netlab.kafka.zk_rules import parse_connect
from netlab.plan import compile_plan
from netlab.resources import Process
from netlab.topology import loads_topology
from netlab.topology.models import Node
from netlab.zookeeper import READY_MARK, ZK_SERVER, zoo_cfg

LAB = """
lab: zkunit
nodes:
  host: {}
  zookeeper:
    networks: [net]
    zookeeper:
      client_port: 2182
      heap: 64m
      settings: {maxClientCnxns: 10}
  broker:
    networks: [net]
    broker: {KAFKA_ZOOKEEPER_CONNECT: "zookeeper:2182", KAFKA_BROKER_ID: 1}
networks:
  net: {subnet: 10.77.0.0/24}
"""


def test_zookeeper_block_defaults_and_errors():
    assert Node.model_validate({"zookeeper": None}).zookeeper.client_port == 2181
    z = Node.model_validate({"zookeeper": {}}).zookeeper
    assert (z.client_port, z.tick_time, z.heap, z.client_port_address) == (2181, 2000, "128m", None)
    with pytest.raises(ValidationError, match="dataDir is set by netlab"):
        Node.model_validate({"zookeeper": {"settings": {"dataDir": "/x"}}})
    with pytest.raises(ValidationError, match="not a heap size"):
        Node.model_validate({"zookeeper": {"heap": "lots"}})
    with pytest.raises(ValidationError, match="192.0.2.0/24"):
        Node.model_validate({"zookeeper": {"client_port_address": "192.0.2.5"}})
    with pytest.raises(ValidationError, match="client_prot"):
        Node.model_validate({"zookeeper": {"client_prot": 1}})


def test_plan_starts_zookeeper_before_brokers_with_its_config():
    plan = compile_plan(loads_topology(LAB, "zk.yaml"))
    procs = [s for s in plan.of_kind(Process) if s.role in ("zookeeper", "broker")]
    assert [p.role for p in procs] == ["zookeeper", "broker"]
    zk = procs[0]
    assert zk.argv[:2] == (ZK_SERVER, "start-foreground") and zk.ready == READY_MARK
    env = dict(zk.env)
    assert env["JVMFLAGS"].startswith("-Xmx64m ") and env["JMXDISABLE"] == "true"
    ((path, text),) = zk.files
    assert path.endswith("/zookeeper/zookeeper/zoo.cfg") and zk.argv[2] == path
    lines = text.splitlines()
    assert "clientPort=2182" in lines and "admin.enableServer=false" in lines
    assert "maxClientCnxns=10" in lines and any(x.startswith("dataDir=/") for x in lines)


def test_zoo_cfg_client_port_address():
    z = Node.model_validate({"zookeeper": {"client_port_address": "10.0.0.2"}}).zookeeper
    assert "clientPortAddress=10.0.0.2" in zoo_cfg(z, __import__("pathlib").Path("/d")).splitlines()


def test_broker_znode_is_kafkas_json():
    adv = {"INTERNAL": BrokerEndpoint("broker-1", 29092), "EXTERNAL": BrokerEndpoint("localhost", 9092)}
    data = json.loads(znodes.encode_broker(adv, {"INTERNAL": "PLAINTEXT", "EXTERNAL": "PLAINTEXT"}, None))
    assert data["version"] == 5 and data["jmx_port"] == -1 and data["features"] == {}
    assert data["endpoints"] == ["INTERNAL://broker-1:29092", "EXTERNAL://localhost:9092"]
    assert data["listener_security_protocol_map"] == {"INTERNAL": "PLAINTEXT", "EXTERNAL": "PLAINTEXT"}
    assert (data["host"], data["port"]) == ("broker-1", 29092) and "rack" not in data
    assert znodes.decode_broker(json.dumps(data).encode()) == (adv, None)
    racked = json.loads(znodes.encode_broker(adv, {}, "r1"))
    assert racked["rack"] == "r1"


def test_controller_topic_and_state_znodes():
    c = json.loads(znodes.encode_controller(4))
    assert c["version"] == 2 and c["brokerid"] == 4 and c["kraftControllerEpoch"] == -1
    assert c["timestamp"].isdigit() and znodes.decode_controller(znodes.encode_controller(4)) == 4
    assert znodes.decode_controller(None) == -1 and znodes.decode_controller(b"junk") == -1
    tid = uuid.uuid4()
    t = znodes.encode_topic({0: [1, 2], 1: [2, 1]}, tid)
    assert json.loads(t)["partitions"] == {"0": [1, 2], "1": [2, 1]}
    assert znodes.decode_topic(t) == ({0: [1, 2], 1: [2, 1]}, tid)
    s = znodes.encode_partition_state(2, 3, [2, 1], 7)
    assert json.loads(s) == {
        "controller_epoch": 7,
        "leader": 2,
        "version": 1,
        "leader_epoch": 3,
        "isr": [2, 1],
    }
    assert znodes.decode_cluster_id(znodes.encode_cluster_id("abc")) == "abc"
    assert json.loads(znodes.encode_cluster_id("abc")) == {"version": "1", "id": "abc"}


@pytest.mark.parametrize("version", range(0, 8))
def test_leader_and_isr_round_trip(version):
    tid = uuid.uuid4()
    st = {
        "partition_index": 0,
        "controller_epoch": 1,
        "leader": 2,
        "leader_epoch": 3,
        "isr": [2, 1],
        "zk_version": 4,
        "replicas": [2, 1],
        "topic_name": "t",
    }
    req = {
        "controller_id": 1,
        "controller_epoch": 1,
        "broker_epoch": 9,
        "is_kraft_controller": True,
        "type": 2,
        "ungrouped_partition_states": [st],
        "topic_states": [{"topic_name": "t", "topic_id": tid, "partition_states": [st]}],
        "live_leaders": [{"broker_id": 2, "host_name": "b2", "port": 29092}],
    }
    back = leader_and_isr.REQUEST.from_bytes(leader_and_isr.REQUEST.to_bytes(req, version), version)
    [(topic, s)] = leader_and_isr.partition_states(back, version)
    assert topic == "t" and (s["leader"], s["leader_epoch"], s["isr"], s["zk_version"]) == (2, 3, [2, 1], 4)
    assert back["live_leaders"] == req["live_leaders"]
    # v5 added Type, v7 isKRaftController (KIP-866); absent versions read as Kafka's defaults
    assert (back["type"], back["is_kraft_controller"]) == ((2 if version >= 5 else 0), version >= 7)


@pytest.mark.parametrize("version", range(0, 9))
def test_update_metadata_round_trip(version):
    st = {
        "partition_index": 1,
        "controller_epoch": 1,
        "leader": -1,
        "leader_epoch": 2,
        "isr": [3],
        "zk_version": 0,
        "replicas": [3, 1],
        "offline_replicas": [3],
        "topic_name": "t",
    }
    req = {
        "controller_id": 1,
        "is_kraft_controller": True,
        "type": 2,
        "controller_epoch": 2,
        "ungrouped_partition_states": [st],
        "topic_states": [{"topic_name": "t", "topic_id": uuid.uuid4(), "partition_states": [st]}],
        "live_brokers": [
            {
                "id": 1,
                "v0_host": "h",
                "v0_port": 1,
                "endpoints": [{"port": 9092, "host": "h", "listener": "PLAINTEXT", "security_protocol": 0}],
                "rack": None,
            }
        ],
    }
    back = update_metadata.REQUEST.from_bytes(update_metadata.REQUEST.to_bytes(req, version), version)
    [(topic, s)] = update_metadata.partition_states(back, version)
    assert topic == "t" and s["leader"] == -1 and s["replicas"] == [3, 1]
    assert back["live_brokers"][0]["id"] == 1
    # v8 added isKRaftController and the tagged Type (tag 0)
    assert (back["type"], back["is_kraft_controller"]) == ((2, True) if version >= 8 else (0, False))


def test_zookeeper_mode_config():
    cfg = KafkaConfig({"zookeeper.connect": "zk:2181"})
    assert cfg.zk_mode and cfg.node_id == -1  # the id comes from /brokers/seqid
    assert cfg["reserved.broker.max.id"] == 1000 and cfg["zookeeper.connection.timeout.ms"] is None
    assert not KafkaConfig({}).zk_mode
    assert not KafkaConfig(
        {
            "zookeeper.connect": "zk:2181",
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": "1@localhost:9093",
            "controller.listener.names": "CONTROLLER",
            "listeners": "PLAINTEXT://:9092,CONTROLLER://:9093",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        }
    ).zk_mode
    with pytest.raises((ConfigException, RequirementFailed), match="reserved.broker.max.id"):
        KafkaConfig({"zookeeper.connect": "zk:2181", "broker.id": "1001"})


def test_predict_parses_zookeeper_connect():
    assert parse_connect("zk1:2181,zk2:2182/kafka") == [("zk1", 2181), ("zk2", 2182)]
    assert parse_connect("zookeeper") == [("zookeeper", 2181)]
    assert parse_connect(None) == []


def test_predict_zookeeper_mode_of_the_seed_and_its_fix():
    from pathlib import Path

    from netlab.kafka.lab_report import predicted_report, world_of

    root = Path(__file__).resolve().parents[2] / "topologies"
    seed = loads_topology((root / "12-zookeeper-loopback.yaml").read_text(), "12.yaml")
    report = predicted_report(seed)
    rows = {(v.from_node, v.to): v for v in report.verdicts}
    # the controller's link to itself is a row, and it fails as the seed's does
    self_link = rows[("broker-4", "broker-4:29092")]
    assert not self_link.ok and self_link.cause == "bootstrap_refused"
    assert "Connection to node 4 (broker-4/192.168.96.6:29092) could not be established. Broker may" in (
        self_link.reason
    )
    assert rows[("broker-4", "zookeeper:2181")].ok  # every broker reaches ZooKeeper
    metadata = rows[("host", "localhost:9094")]
    assert not metadata.ok and metadata.cause == "metadata_failed"  # nobody got UpdateMetadata
    assert report.mismatches() == []

    text = (root / "12b-zookeeper-container-name.yaml").read_text().replace("      KAFKA_BROKER_ID: 5\n", "")
    fixed = loads_topology(text, "12b.yaml")
    world = world_of(fixed)
    assert {b.node: b.node_id for b in world.brokers}["broker-5"] == 1001  # not -1
    assert all(v.ok for v in predicted_report(fixed).verdicts)


def test_a_zookeeper_mode_broker_is_ready_after_its_first_update_metadata():
    """netlab/lab/brokers.metadata_settled: the broker's own state.change.logger line, or the
    controller's line that it cannot reach this broker (then no UpdateMetadata is coming)."""
    from netlab.lab.brokers import metadata_settled

    started = "[2026-12-05 02:20:33,512] INFO [KafkaServer id=3] started (kafka.server.KafkaServer)\n"
    got = (
        "INFO [Broker id=3] Add 0 partitions and deleted 0 partitions from metadata cache in response to "
        "UpdateMetadata request sent by controller 1 epoch 1 with correlation id 2 (state.change.logger)\n"
    )
    unreached = (
        "WARN [RequestSendThread controllerId=1] Controller 1's connection to broker kafka3:19094 "
        "(id: {} rack: null) was unsuccessful (kafka.controller.RequestSendThread)\n"
    )
    assert not metadata_settled(started, [started])
    assert metadata_settled(started + got, [started + got])
    assert metadata_settled(started, [started, unreached.format(3)])
    assert not metadata_settled(started, [started, unreached.format(2)])  # another broker
    assert not metadata_settled("", [unreached.format(3)])  # not started: no id known yet


def test_an_ensemble_member_writes_server_lines_and_myid():
    from netlab.topology import loads_topology
    from netlab.zookeeper import ENSEMBLE_READY_MARK, READY_MARK, zookeeper_steps

    servers = {1: "zoo1:2888:3888", 2: "zoo2:2888:3888", 3: "zoo3:2888:3888"}
    nodes = {
        f"zoo{i}": {"zookeeper": {"client_port": 2180 + i, "server_id": i, "servers": servers}}
        for i in (1, 2, 3)
    }
    nodes["solo"] = {"zookeeper": {}}
    topo = loads_topology(yaml.safe_dump({"lab": "zkens1", "nodes": nodes}), "t.yaml").topology
    steps = {s.node: s for s in zookeeper_steps(topo, {n: f"ns-{n}" for n in nodes})}
    cfg = dict(steps["zoo2"].files)
    text = next(v for k, v in cfg.items() if k.endswith("zoo.cfg"))
    assert "server.1=zoo1:2888:3888\nserver.2=zoo2:2888:3888\nserver.3=zoo3:2888:3888" in text
    assert "initLimit=10" in text and "syncLimit=5" in text and "clientPort=2182" in text
    assert next(v for k, v in cfg.items() if k.endswith("data/myid")) == "2\n"
    # members start one after another: only the last waits, for the quorum
    assert [steps[n].ready for n in ("zoo1", "zoo2", "zoo3")] == [None, None, ENSEMBLE_READY_MARK]
    assert steps["solo"].ready == READY_MARK and len(steps["solo"].files) == 1


@pytest.mark.parametrize(
    "block, says",
    [
        ({"servers": {1: "a:2888:3888", 2: "b:2888:3888"}}, "server_id must name"),
        ({"server_id": 3, "servers": {1: "a:2888:3888", 2: "b:2888:3888"}}, "server_id must name"),
        ({"server_id": 1, "servers": {1: "a:2888", 2: "b:2888:3888"}}, "not a ZooKeeper server line"),
        ({"server_id": 1, "servers": {0: "a:2888:3888", 2: "b:2888:3888"}}, "out of range"),
        ({"settings": {"server.1": "a:2888:3888"}}, "write the ensemble under servers"),
    ],
)
def test_ensemble_block_errors(block, says):
    from netlab.errors import InputError
    from netlab.topology import loads_topology

    with pytest.raises(InputError) as e:
        loads_topology(yaml.safe_dump({"lab": "zkens2", "nodes": {"z": {"zookeeper": block}}}), "t.yaml")
    assert says in str(e.value)


def test_a_zookeeper_request_is_bounded():
    """ZkSession.call: a kazoo call that does not return within its limit is the caller's
    ZooKeeperRequestTimeout, not a wait forever (the default limit: session + connection timeout)."""
    import asyncio
    import threading
    import time

    from broker.zk.session import ZkSession, ZooKeeperRequestTimeout

    session = ZkSession("127.0.0.1:1", session_timeout_ms=6000, connection_timeout_ms=2000)
    assert session.call_limit_s == 8.0
    release = threading.Event()

    async def main() -> float:
        session.loop = asyncio.get_running_loop()
        assert await session.call(lambda a, b=0: a + b, 1, b=2) == 3
        began = time.monotonic()
        try:
            with pytest.raises(ZooKeeperRequestTimeout, match="within 0.2 s"):
                await session.call(release.wait, 30, limit_s=0.2)
            return time.monotonic() - began
        finally:
            release.set()  # the worker thread ends (asyncio.run joins the executor's threads)

    assert asyncio.run(main()) < 5
