"""A dedicated controller (process.roles=controller, node 1 on 127.0.0.1, only its CONTROLLER
listener) and two broker-only nodes (2 and 3 on 127.0.0.2-3): the brokers register with it, get
replicated topics, and fail over when it fences one; the controller itself is never a broker."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from brokerproc import BrokerProc, free_port, start_broker
from clusterproc import FAST, PROTO_MAP, kcat_list
from support import poll, read_to_eof
from test_cluster import create_topic, produce

from broker.raft.metadata_image import read_state

pytestmark = [pytest.mark.clients, pytest.mark.slow]

RF2 = ["offsets.topic.replication.factor=2"]  # two brokers: the default 3 of FAST cannot be placed


class DedicatedCluster:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.cport = free_port()
        self.ports = {i: (free_port(), free_port()) for i in (2, 3)}  # INTERNAL, EXTERNAL
        self.procs: dict[int, BrokerProc] = {}

    def _voters(self) -> list[str]:
        return [
            f"controller.quorum.voters=1@127.0.0.1:{self.cport}",
            "controller.listener.names=CONTROLLER",
            f"listener.security.protocol.map={PROTO_MAP}",
        ]

    def start_controller(self) -> BrokerProc:
        bp = start_broker(
            self.tmp,
            ["node.id=1", "process.roles=controller", f"listeners=CONTROLLER://127.0.0.1:{self.cport}"]
            + self._voters()
            + FAST
            + RF2,
            port=self.cport,
            log_dir=self.tmp / "logs-1",
            wait_for="Kafka Server started",
        )
        assert bp.proc.poll() is None, bp.output()
        self.procs[1] = bp
        return bp

    def start_broker(self, i: int) -> BrokerProc:
        host, (internal, external) = f"127.0.0.{i}", self.ports[i]
        eps = f"INTERNAL://{host}:{internal},EXTERNAL://{host}:{external}"
        bp = start_broker(
            self.tmp,
            [
                f"node.id={i}",
                "process.roles=broker",
                f"listeners={eps}",
                f"advertised.listeners={eps}",
                "inter.broker.listener.name=INTERNAL",
            ]
            + self._voters()
            + FAST
            + RF2,
            port=internal,
            log_dir=self.tmp / f"logs-{i}",
            wait_for="Transitioning from RECOVERY to RUNNING.",
        )
        assert bp.proc.poll() is None, bp.output()
        self.procs[i] = bp
        return bp

    def bootstrap(self, *ids: int) -> str:
        return ",".join(f"127.0.0.{i}:{self.ports[i][1]}" for i in (ids or (2, 3)))

    def kill(self, i: int) -> None:
        bp = self.procs[i]
        bp.proc.send_signal(signal.SIGKILL)
        bp.proc.wait(10)

    def stop_all(self) -> None:
        for i in sorted(self.procs, reverse=True):  # brokers first, so they can say goodbye
            if self.procs[i].proc.poll() is None:
                self.procs[i].stop()

    def partition(self, topic: str, p: int) -> dict | None:
        state = read_state(self.tmp / "logs-1" / "__cluster_metadata-0")
        t = next((t for t in state["topics"] if t["name"] == topic), None)
        return None if t is None else next(x for x in t["partitions"] if x["p"] == p)

    def wait(self, what, timeout: float = 15):
        return poll(what, timeout)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = DedicatedCluster(tmp_path_factory.mktemp("dedicated"))
    try:
        c.start_controller()
        c.start_broker(2)
        c.start_broker(3)
        yield c
    finally:
        c.stop_all()


def test_controller_serves_only_controller_apis_and_is_no_broker(cluster):
    from kafka.protocol.metadata import ApiVersionsRequest, MetadataRequest
    from rawclient import RawClient

    out = cluster.procs[1].output()
    assert "Registered broker 2 with epoch" in out and "Registered broker 3 with epoch" in out, out
    assert "Registered broker 1 " not in out, out
    rc = RawClient("127.0.0.1", cluster.cport)
    resp = rc.request(ApiVersionsRequest(version=0), 0)
    assert resp.error_code == 0 and [k.api_key for k in resp.api_keys] == [
        1,
        18,
        52,
        53,
        54,
        55,
        60,
        62,
        63,
        32000,
    ]
    rc.request(MetadataRequest(topics=None, version=1), 1, expect_response=False)
    assert rc.closed_by_peer()


def test_kcat_through_a_broker_lists_only_the_two_brokers(cluster):
    for i in (2, 3):
        listing = kcat_list(cluster.bootstrap(i))
        assert " 2 brokers:" in listing, listing
        assert f"broker 2 at 127.0.0.2:{cluster.ports[2][1]}" in listing, listing
        assert f"broker 3 at 127.0.0.3:{cluster.ports[3][1]}" in listing, listing
        assert "broker 1 at" not in listing, listing


def test_rf2_acks_all_round_trip_and_the_controller_holds_no_replica(cluster):
    create_topic(cluster.bootstrap(2), "rf2", 2, 2)
    for p in (0, 1):
        part = cluster.wait(lambda p=p: cluster.partition("rf2", p))
        assert sorted(part["replicas"]) == [2, 3] and sorted(part["isr"]) == [2, 3], part
    values = [f"v{i}".encode() for i in range(40)]
    results = produce(cluster.bootstrap(), "rf2", values, partitioner="consistent")
    assert all(err is None for err, _ in results), results
    got = [m.value() for m in read_to_eof(cluster.bootstrap(), "rf2", 2)]
    assert sorted(got) == sorted(values)
    assert not list((cluster.tmp / "logs-1").glob("rf2-*")), "the controller keeps no partition log"
    assert (cluster.tmp / "logs-2" / "rf2-0").is_dir() and (cluster.tmp / "logs-3" / "rf2-0").is_dir()


def test_killed_broker_is_fenced_and_leadership_moves(cluster):
    create_topic(cluster.bootstrap(), "failover", 2, 2)
    assert cluster.wait(
        lambda: all((p := cluster.partition("failover", i)) and len(p["isr"]) == 2 for i in (0, 1))
    )
    victim = cluster.partition("failover", 0)["leader"]
    survivor = 5 - victim  # the other of 2 and 3
    epoch = cluster.partition("failover", 0)["epoch"]
    cluster.kill(victim)
    fenced = f"[QuorumController id=1] Fencing broker {victim} because its session has timed out."
    assert cluster.wait(lambda: fenced in cluster.procs[1].output(), 10), cluster.procs[1].output()
    part = cluster.wait(lambda: (p := cluster.partition("failover", 0))["leader"] == survivor and p)
    assert part and part["epoch"] > epoch and victim not in part["isr"], part
    # what clients see: only the survivor, leading both partitions
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": cluster.bootstrap(survivor)})
    # the survivor learns the fencing by fetching the metadata log: a moment after the controller
    md = cluster.wait(
        lambda: (m := admin.list_topics(timeout=10)) and sorted(m.brokers) == [survivor] and m, 10
    )
    assert md, admin.list_topics(timeout=10).brokers
    assert {md.topics["failover"].partitions[i].leader for i in (0, 1)} == {survivor}
    results = produce(cluster.bootstrap(survivor), "failover", [b"after-%d" % i for i in range(10)])
    assert all(err is None for err, _ in results), results


def test_dedicated_controller_config_is_accepted():
    from broker.config import KafkaConfig

    c = KafkaConfig(
        {
            "process.roles": "controller",
            "node.id": "1",
            "controller.quorum.voters": "1@127.0.0.1:9093",
            "listeners": "CONTROLLER://127.0.0.1:9093",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT",
            "log.dirs": "/nonexistent",
        }
    )
    assert c.advertised == [] and c.unsupported_reasons() == []
