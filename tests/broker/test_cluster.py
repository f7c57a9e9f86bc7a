"""A three-broker cluster on 127.0.0.1-127.0.0.3 (node 1 broker+controller): metadata per
listener, replicated topics, acks=all, registration and fencing."""

from __future__ import annotations

import pytest
from clusterproc import Cluster, kcat_list
from support import read_to_eof

pytestmark = [pytest.mark.clients, pytest.mark.slow]


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    try:
        c.start_all()
        yield c
    finally:
        c.stop_all()


def _admin(bootstrap: str):
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": bootstrap})


def create_topic(bootstrap: str, name: str, partitions: int, rf: int, configs: dict | None = None) -> None:
    from confluent_kafka.admin import NewTopic

    admin = _admin(bootstrap)  # kept alive until the answer arrives
    fs = admin.create_topics([NewTopic(name, partitions, rf, config=configs or {})], request_timeout=15)
    fs[name].result(20)


def produce(bootstrap: str, topic: str, values: list[bytes], **conf) -> list:
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "message.timeout.ms": 15000, **conf})
    results = []
    for v in values:
        p.produce(topic, v, on_delivery=lambda err, msg: results.append((err, msg.offset() if msg else None)))
    assert p.flush(30) == 0
    return results


def consume(bootstrap: str, topic: str, count: int, partition: int = 0, timeout: float = 20) -> list[bytes]:
    import time

    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "cluster-test", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, partition, 0)])
    out, deadline = [], time.monotonic() + timeout
    while len(out) < count and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            out.append(m.value())
    c.close()
    return out


def test_kcat_lists_all_three_brokers_per_listener(cluster):
    for n in cluster.nodes.values():
        ext = kcat_list(n.bootstrap)
        assert " 3 brokers:" in ext, ext
        for j, m in cluster.nodes.items():
            assert f"broker {j} at {m.host}:{m.external}" in ext, ext
        internal = kcat_list(f"{n.host}:{n.internal}")
        for j, m in cluster.nodes.items():
            assert f"broker {j} at {m.host}:{m.internal}" in internal, internal


def test_replicated_topic_acks_all_round_trip(cluster):
    create_topic(cluster.nodes[2].bootstrap, "rf3", 3, 3)
    state = cluster.wait(lambda: cluster.partition("rf3", 0))
    assert sorted(state["replicas"]) == [1, 2, 3] and sorted(state["isr"]) == [1, 2, 3]
    leaders = {cluster.partition("rf3", p)["leader"] for p in range(3)}
    assert leaders == {1, 2, 3}, "round-robin placement spreads the leaders"
    values = [f"v{i}".encode() for i in range(50)]
    results = produce(cluster.bootstrap, "rf3", values, partitioner="consistent")
    assert all(err is None for err, _ in results), results
    out = [m.value() for m in read_to_eof(cluster.bootstrap, "rf3", 3)]
    assert sorted(out) == sorted(values)
    # every replica holds the data: the followers' logs reach the same end offset
    kc = kcat_list(cluster.bootstrap)
    assert 'topic "rf3" with 3 partitions' in kc, kc


def test_rf_above_broker_count_refused(cluster):
    from confluent_kafka import KafkaException

    with pytest.raises(KafkaException) as e:
        create_topic(cluster.nodes[3].bootstrap, "rf4", 1, 4)
    assert "INVALID_REPLICATION_FACTOR" in str(e.value) or "replication factor" in str(e.value).lower()


def test_stopped_broker_is_fenced_and_leadership_moves(cluster):
    create_topic(cluster.bootstrap, "fence", 3, 3)
    cluster.wait(lambda: all(len(cluster.partition("fence", p)["isr"]) == 3 for p in range(3)))
    led_by_3 = [p for p in range(3) if cluster.partition("fence", p)["leader"] == 3]
    epochs = {p: cluster.partition("fence", p)["epoch"] for p in led_by_3}
    cluster.kill(3)
    assert cluster.wait(
        lambda: "Fencing broker 3 because its session has timed out." in cluster.output(1), 10
    )
    for p in led_by_3:
        part = cluster.wait(
            lambda p=p: cluster.partition("fence", p)["leader"] != 3 and cluster.partition("fence", p)
        )
        assert part["leader"] in (1, 2) and part["epoch"] > epochs[p] and 3 not in part["isr"]
    listing = kcat_list(cluster.nodes[1].bootstrap)
    assert " 2 brokers:" in listing and "broker 3 at" not in listing, listing
    # the survivors still take acks=all writes on every partition
    results = produce(cluster.bootstrap, "fence", [b"x%d" % i for i in range(20)])
    assert all(err is None for err, _ in results), results
    # restarted, it registers again, catches up and rejoins every ISR
    cluster.start(3)
    assert cluster.wait(
        lambda: all(sorted(cluster.partition("fence", p)["isr"]) == [1, 2, 3] for p in range(3)), 20
    )


def test_broker_that_cannot_reach_the_controller_logs_kafkas_texts(tmp_path):
    c = Cluster(tmp_path)
    try:
        c.start(1)
        c.nodes[2].extra = [
            "controller.quorum.voters=1@127.0.0.1:"
            f"{c.controller_port + 1 if c.controller_port < 65000 else 1}"
        ]
        bp = c.start(2, wait_for="could not be established", timeout=15)
        out = bp.output()
        assert (
            f"[NodeToControllerChannelManager id=2 name=heartbeat] Connection to node 1 (/127.0.0.1:"
            f"{c.controller_port + 1}) could not be established. Node may not be available."
        ) in out, out
        assert "[BrokerLifecycleManager id=2] Unable to register the broker" in out, out
        listing = kcat_list(c.nodes[1].bootstrap)
        assert " 1 brokers:" in listing and "broker 2 at" not in listing, listing
    finally:
        c.stop_all()


def test_consumer_group_on_replicated_offsets_topic(cluster):
    """__consumer_offsets is created with offsets.topic.replication.factor=3; its partition leaders
    coordinate the groups, and committed offsets survive the coordinator's death."""
    import time

    from confluent_kafka import Consumer

    create_topic(cluster.bootstrap, "grp", 1, 3)
    assert all(err is None for err, _ in produce(cluster.bootstrap, "grp", [b"a", b"b", b"c", b"d"]))

    def read_one(group: str):
        c = Consumer(
            {
                "bootstrap.servers": cluster.bootstrap,
                "group.id": group,
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
                "session.timeout.ms": 6000,
            }
        )
        c.subscribe(["grp"])
        deadline, m = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                break
        assert m is not None and not m.error(), m and m.error()
        c.commit(message=m, asynchronous=False)
        c.close()
        return m.offset()

    assert read_one("probe") == 0  # creates __consumer_offsets
    offsets = cluster.wait(
        lambda: next((t for t in cluster.state()["topics"] if t["name"] == "__consumer_offsets"), None)
    )
    assert offsets and all(sorted(p["replicas"]) == [1, 2, 3] for p in offsets["partitions"])
    # a group whose coordinator is not node 1 (the controller must survive for failover)
    from broker.group.partitioning import partition_for

    leaders = {p["p"]: p["leader"] for p in offsets["partitions"]}
    group = next(g for g in (f"g{i}" for i in range(200)) if leaders[partition_for(g, 3)] != 1)
    p, leader = partition_for(group, 3), leaders[partition_for(group, 3)]
    assert read_one(group) == 0
    cluster.kill(leader)
    assert cluster.wait(lambda: cluster.partition("__consumer_offsets", p)["leader"] not in (leader, -1), 10)
    assert read_one(group) == 1  # the committed offset moved with the coordinator
    import re

    new = cluster.partition("__consumer_offsets", p)["leader"]
    assert re.search(
        rf"Finished loading offsets and group metadata from __consumer_offsets partition\(s\) "
        rf"(\d+,)*{p}(,\d+)* in",
        cluster.output(new),
    ), cluster.output(new)


def test_non_leaders_answer_not_leader_or_follower(cluster):
    """Produce to a follower, and Fetch/ListOffsets at a broker without the partition, send the
    client back to its metadata (NOT_LEADER_OR_FOLLOWER = 6), as Kafka does."""
    from confluent_kafka.admin import AdminClient, NewTopic
    from kafka.protocol.consumer import FetchRequest, ListOffsetsRequest
    from kafka.protocol.producer import ProduceRequest
    from rawclient import RawClient, batch

    admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
    admin.create_topics([NewTopic("placed", num_partitions=1, replica_assignment=[[2, 3]])])["placed"].result(
        20
    )
    cluster.wait(lambda: all("placed" in kcat_list(n.bootstrap) for n in cluster.nodes.values()), 10)

    def produce_at(i: int) -> int:
        n = cluster.nodes[i]
        rc = RawClient(n.host, n.external)
        try:
            pd = ProduceRequest.TopicProduceData.PartitionProduceData(
                index=0, records=batch([b"v"]), version=8
            )
            td = ProduceRequest.TopicProduceData(name="placed", partition_data=[pd], version=8)
            req = ProduceRequest(transactional_id=None, acks=1, timeout_ms=5000, topic_data=[td], version=8)
            return rc.request(req, 8).responses[0].partition_responses[0].error_code
        finally:
            rc.close()

    assert produce_at(3) == 6  # the follower
    assert produce_at(1) == 6  # not a replica at all
    assert produce_at(2) == 0  # the leader
    n1 = cluster.nodes[1]
    rc = RawClient(n1.host, n1.external)
    try:
        fp = FetchRequest.FetchTopic.FetchPartition(
            partition=0, fetch_offset=0, partition_max_bytes=1 << 20, version=11
        )
        freq = FetchRequest(
            replica_id=-1,
            max_wait_ms=0,
            min_bytes=0,
            max_bytes=1 << 20,
            isolation_level=0,
            topics=[FetchRequest.FetchTopic(topic="placed", partitions=[fp], version=11)],
            version=11,
        )
        assert rc.request(freq, 11).responses[0].partitions[0].error_code == 6
        lp = ListOffsetsRequest.ListOffsetsTopic.ListOffsetsPartition(
            partition_index=0, timestamp=-1, version=4
        )
        oreq = ListOffsetsRequest(
            replica_id=-1,
            isolation_level=0,
            version=4,
            topics=[ListOffsetsRequest.ListOffsetsTopic(name="placed", partitions=[lp], version=4)],
        )
        assert rc.request(oreq, 4).topics[0].partitions[0].error_code == 6
    finally:
        rc.close()
