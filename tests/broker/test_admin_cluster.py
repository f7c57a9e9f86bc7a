"""Admin APIs on a three-broker cluster (node 1 broker+controller, 2 and 3 broker-only):
CreatePartitions asked of a broker-only node is forwarded to the controller and placed on several
brokers; DeleteRecords moves the followers' log start too (shown after the leader is killed)."""

from __future__ import annotations

import pytest
from clusterproc import Cluster
from test_cluster import consume, create_topic

pytestmark = [pytest.mark.clients, pytest.mark.slow]


def produce(bootstrap: str, topic: str, values: list[bytes], partition: int) -> list:
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "message.timeout.ms": 15000})
    results = []
    for v in values:
        p.produce(
            topic, v, partition=partition, on_delivery=lambda err, msg: results.append((err, msg.offset()))
        )
    assert p.flush(30) == 0
    return results


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    try:
        c.start_all()
        yield c
    finally:
        c.stop_all()


def test_create_partitions_forwarded_and_delete_records_replicated(cluster):
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewPartitions

    node2 = cluster.nodes[2].bootstrap
    create_topic(cluster.bootstrap, "adm", 1, 3)
    admin = AdminClient({"bootstrap.servers": node2})  # a broker-only node: forwards to the controller
    admin.create_partitions([NewPartitions("adm", 4)], request_timeout=15)["adm"].result(20)
    assert cluster.wait(
        lambda: len(next(t for t in cluster.state()["topics"] if t["name"] == "adm")["partitions"]) == 4
    )
    leaders = {cluster.partition("adm", p)["leader"] for p in range(4)}
    assert len(leaders) > 1, cluster.state()  # placed over several brokers, not all on one
    for p in range(4):
        assert all(err is None for err, _ in produce(cluster.bootstrap, "adm", [b"p%d" % p], partition=p))
    assert consume(cluster.bootstrap, "adm", 1, partition=3) == [b"p3"]

    assert all(
        err is None
        for err, _ in produce(cluster.bootstrap, "adm", [b"r%d" % i for i in range(5)], partition=0)
    )
    res = admin.delete_records([TopicPartition("adm", 0, 4)], request_timeout=15)
    assert list(res.values())[0].result(20).low_watermark == 4
    old_leader = cluster.partition("adm", 0)["leader"]
    cluster.wait(lambda: False, 2)  # a follower fetch or two carries the new log start offset
    cluster.kill(old_leader)
    assert cluster.wait(lambda: cluster.partition("adm", 0)["leader"] not in (old_leader, -1), 15), (
        cluster.state()
    )
    alive = ",".join(n.bootstrap for i, n in cluster.nodes.items() if i != old_leader)
    c = Consumer({"bootstrap.servers": alive, "group.id": "adm-wm"})
    try:
        low, high = c.get_watermark_offsets(TopicPartition("adm", 0), timeout=15)
    finally:
        c.close()
    assert (low, high) == (4, 6)  # the new leader had moved its log start too
