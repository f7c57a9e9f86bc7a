"""Admin APIs on a three-broker cluster (node 1 broker+controller, 2 and 3 broker-only):
CreatePartitions asked of a broker-only node is forwarded to the controller and placed on several
brokers; DeleteRecords moves the followers' log start too (shown after the leader is killed);
IncrementalAlterConfigs asked of a broker-only node reaches every broker's logs."""

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

    # a partition led by a broker-only node: killing its leader leaves the controller (node 1) up
    p = next(p for p in range(4) if cluster.partition("adm", p)["leader"] in (2, 3))
    values = [b"r%d" % i for i in range(5)]
    assert all(err is None for err, _ in produce(cluster.bootstrap, "adm", values, partition=p))
    res = admin.delete_records([TopicPartition("adm", p, 4)], request_timeout=15)
    assert list(res.values())[0].result(20).low_watermark == 4
    # answered once every live replica moved its log start (Kafka's DelayedDeleteRecords): no wait
    old_leader = cluster.partition("adm", p)["leader"]
    cluster.kill(old_leader)
    assert cluster.wait(lambda: cluster.partition("adm", p)["leader"] not in (old_leader, -1), 15), (
        cluster.state()
    )
    alive = ",".join(n.bootstrap for i, n in cluster.nodes.items() if i != old_leader)
    c = Consumer({"bootstrap.servers": alive, "group.id": "adm-wm"})
    try:
        low, high = c.get_watermark_offsets(TopicPartition("adm", p), timeout=15)
    finally:
        c.close()
    assert (low, high) == (4, 6)  # the new leader had moved its log start too (1 + 5 records)


def test_alter_configs_forwarded_reach_every_broker(cluster):
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource

    create_topic(cluster.bootstrap, "adm-cfg", 3, 3)
    admin = AdminClient({"bootstrap.servers": cluster.nodes[3].bootstrap})  # broker-only: forwards
    res = ConfigResource(
        ConfigResource.Type.TOPIC,
        "adm-cfg",
        incremental_configs=[
            ConfigEntry("max.message.bytes", "1500", incremental_operation=AlterConfigOpType.SET)
        ],
    )
    admin.incremental_alter_configs([res], request_timeout=15)[res].result(20)
    for i in (1, 2, 3):  # every broker describes it
        a = AdminClient({"bootstrap.servers": cluster.nodes[i].bootstrap})
        r = ConfigResource(ConfigResource.Type.TOPIC, "adm-cfg")
        assert a.describe_configs([r], request_timeout=15)[r].result(15)["max.message.bytes"].value == "1500"
    for p in range(3):  # and every partition's leader enforces it
        errors: list = []
        prod = Producer({"bootstrap.servers": cluster.bootstrap, "message.max.bytes": 100000})
        prod.produce("adm-cfg", b"x" * 5000, partition=p, on_delivery=lambda e, m, out=errors: out.append(e))
        prod.flush(20)
        assert errors and errors[0] is not None and "MSG_SIZE_TOO_LARGE" in errors[0].name(), (p, errors)


def test_preferred_leader_election_moves_leadership_back(cluster):
    from confluent_kafka import TopicPartition
    from confluent_kafka._model import ElectionType
    from confluent_kafka.admin import AdminClient
    from kafka.admin import KafkaAdminClient

    create_topic(cluster.bootstrap, "adm-el", 4, 3)
    p = next(p for p in range(4) if cluster.partition("adm-el", p)["replicas"][0] in (2, 3))
    preferred = cluster.partition("adm-el", p)["replicas"][0]
    assert cluster.partition("adm-el", p)["leader"] == preferred
    cluster.kill(preferred)
    assert cluster.wait(lambda: cluster.partition("adm-el", p)["leader"] not in (preferred, -1), 15), (
        cluster.state()
    )
    cluster.start(preferred)
    assert cluster.wait(lambda: preferred in cluster.partition("adm-el", p)["isr"], 20), cluster.state()
    assert cluster.partition("adm-el", p)["leader"] != preferred  # no automatic rebalance here
    admin = AdminClient({"bootstrap.servers": cluster.nodes[1].bootstrap})
    # (confluent-kafka 2.16's elect_leaders fails locally when given request_timeout)
    got = admin.elect_leaders(ElectionType.PREFERRED, [TopicPartition("adm-el", p)]).result(20)
    assert got[TopicPartition("adm-el", p)] is None, got
    assert cluster.partition("adm-el", p)["leader"] == preferred
    kp = KafkaAdminClient(bootstrap_servers=cluster.nodes[3 if preferred == 2 else 2].bootstrap)  # forwarded
    try:
        resp = kp.elect_leaders(0, {"adm-el": [p]}, raise_errors=False)
        (r,) = resp.replica_election_results
        assert r.partition_result[0].error_code == 84  # ELECTION_NOT_NEEDED now
    finally:
        kp.close()


def test_partition_reassignment_moves_the_data(cluster):
    """kafka-python's admin and our raw client (kafka-python's protocol classes, another node)."""
    from kafka import TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.protocol.admin import ListPartitionReassignmentsRequest
    from rawclient import RawClient

    kp = KafkaAdminClient(bootstrap_servers=cluster.nodes[2].bootstrap, request_timeout_ms=20000)
    try:
        kp.create_topics([NewTopic("adm-re", replica_assignments={0: [2]})])
        values = [b"m%d" % i for i in range(20)]
        assert all(err is None for err, _ in produce(cluster.bootstrap, "adm-re", values, partition=0))
        tp = TopicPartition("adm-re", 0)
        assert kp.alter_partition_reassignments({tp: [3, 1]}) == {tp: None}
        assert cluster.wait(lambda: cluster.partition("adm-re", 0)["replicas"] == [3, 1], 20), cluster.state()
        part = cluster.partition("adm-re", 0)
        assert part["leader"] == 3 and sorted(part["isr"]) == [1, 3], part  # the leader moved off node 2
        assert kp.list_partition_reassignments() == {}
        got = kp.alter_partition_reassignments({tp: None})  # nothing to cancel any more
        assert got[tp].__name__ == "NoReassignmentInProgressError", got
        got = kp.alter_partition_reassignments({tp: [9]})
        assert got[tp].__name__ == "InvalidReplicationAssignmentError", got
    finally:
        kp.close()
    assert consume(cluster.bootstrap, "adm-re", 20) == values  # all data on the new replicas
    # node 2 dropped its replica's log
    assert cluster.wait(lambda: not list((cluster.tmp / "logs-2").glob("adm-re-0*")), 10)
    host, port = cluster.nodes[3].bootstrap.split(":")
    rc = RawClient(host, int(port))
    try:
        resp = rc.request(ListPartitionReassignmentsRequest(timeout_ms=5000, topics=None, version=0), 0)
        assert resp.error_code == 0 and resp.topics == []
    finally:
        rc.close()


def test_dynamic_broker_config_forwarded_applies_to_that_broker_only(cluster):
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource

    create_topic(cluster.bootstrap, "adm-dyn", 6, 1)
    admin = AdminClient({"bootstrap.servers": cluster.nodes[3].bootstrap})  # broker-only: forwards
    res = ConfigResource(
        ConfigResource.Type.BROKER,
        "2",
        incremental_configs=[
            ConfigEntry("message.max.bytes", "1500", incremental_operation=AlterConfigOpType.SET)
        ],
    )
    admin.incremental_alter_configs([res], request_timeout=15)[res].result(20)
    b2 = ConfigResource(ConfigResource.Type.BROKER, "2")
    a2 = AdminClient({"bootstrap.servers": cluster.nodes[2].bootstrap})
    assert cluster.wait(
        lambda: (
            a2.describe_configs([b2], request_timeout=15)[b2].result(15)["message.max.bytes"].value == "1500"
        ),
        10,
    )
    outcome = {}
    for p in range(6):
        errors: list = []
        prod = Producer({"bootstrap.servers": cluster.bootstrap, "message.max.bytes": 100000})
        prod.produce("adm-dyn", b"x" * 5000, partition=p, on_delivery=lambda e, m, out=errors: out.append(e))
        prod.flush(20)
        outcome[cluster.partition("adm-dyn", p)["leader"]] = errors[0] is None
    assert outcome.get(2) is False and all(ok for leader, ok in outcome.items() if leader != 2), outcome
