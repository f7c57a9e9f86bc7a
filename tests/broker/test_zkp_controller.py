"""The ZooKeeper-mode controller's use of ZooKeeper, counted by ZooKeeper itself: the `lcxid`
(the last request's xid) of the controller's connection in ZooKeeper's `cons` four-letter
answer, i.e. how many requests that session sent (pings excluded). A real ZooKeeper and a real
`python -m broker` (its own controller).

Kafka's controller (KafkaController with KafkaZkClient) makes each new partition's znodes with a
fixed number of requests (createTopicPartition, then createTopicPartitionStatesRaw: two, sent as
batches) and keeps its partition states in memory (ControllerContext): a TopicChange reads only
the new topics' znodes (processTopicChange), not every partition's state again. Its writes are
fenced by the controller epoch's znode version (KafkaZkClient.wrapRequestWithControllerEpochCheck).
"""

from __future__ import annotations

import time

import pytest
from test_zk_cluster import ZkCluster, kcat_metadata, wait_until, zk, zk_get  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.clients, pytest.mark.slow]

MANY = 1000


def create(bootstrap: str, name: str, partitions: int) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, partitions, 1)], operation_timeout=120, request_timeout=180)[
        name
    ].result(180)


def all_led(bootstrap: str, name: str, partitions: int) -> bool:
    topics = kcat_metadata(bootstrap, name)["topics"]
    parts = topics[0]["partitions"] if topics else []
    return len(parts) == partitions and all(p["leader"] == 1 for p in parts)


def test_zkp_requests_per_new_partition_and_no_rereads(tmp_path, zk):  # noqa: F811
    # Kafka's default session timeout: ZkSession.call's bound (session + connection timeout) is
    # what the old one-call-per-reconcile controller needed for a thousand partitions
    c = ZkCluster(tmp_path, zk, ids=(1,), extra=("zookeeper.session.timeout.ms=18000",))
    try:
        c.start(1)
        wait_until(lambda: kcat_metadata(c.bootstrap())["brokers"], 60, "metadata from the controller")
        sid = zk.ephemeral_owner("/controller")

        before = zk.session_requests(sid)
        create(c.bootstrap(), "zkpmany", MANY)
        wait_until(lambda: all_led(c.bootstrap(), "zkpmany", MANY), 120, f"{MANY} partitions led")
        many = zk.session_requests(sid) - before

        before = zk.session_requests(sid)
        create(c.bootstrap(), "zkpone", 1)
        wait_until(lambda: all_led(c.bootstrap(), "zkpone", 1), 60, "zkpone led")
        time.sleep(1.0)  # anything the controller would still read after the answer
        one = zk.session_requests(sid) - before
    finally:
        c.stop_all()
    print(f"\nZooKeeper requests of the broker's session: {MANY} new partitions {many}, then 1 more: {one}")
    # the broker's CreateTopics (a handful) + the controller's per-partition writes: at most
    # Kafka's two per partition and a little; the old reconcile sent six per partition
    assert many <= 2 * MANY + 50, many
    # a one-partition topic after them: its own znodes only, not every known partition's state
    assert one <= 50, one


def test_zkp_controller_writes_are_fenced_by_the_epoch(tmp_path, zk):  # noqa: F811
    """Another writer bumped /controller_epoch while /controller still names this broker: its
    partition state writes fail the epoch check (ControllerMovedException), so no state znode
    appears; as in Kafka's maybeResign it stays the controller, since /controller says so."""
    c = ZkCluster(tmp_path, zk, ids=(1,))
    try:
        bp = c.start(1)
        wait_until(lambda: kcat_metadata(c.bootstrap())["brokers"], 60, "metadata from the controller")
        epoch = int(zk_get(zk, "/controller_epoch") or "0")
        zk.cli("set", "/controller_epoch", str(epoch + 1))
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient({"bootstrap.servers": c.bootstrap()})
        fut = admin.create_topics([NewTopic("zkpfenced", 2, 1)], operation_timeout=3, request_timeout=30)
        with pytest.raises(Exception, match="REQUEST_TIMED_OUT|timed out"):
            fut["zkpfenced"].result(30)
        wait_until(
            lambda: "Controller moved to another broker when processing" in bp.output(),
            20,
            "the fenced write",
        )
        # the topic znode is the broker's (AdminZkClient, not fenced); its partitions' znodes the
        # controller's, which the check kept out
        assert zk_get(zk, "/brokers/topics/zkpfenced") is not None
        listing = zk.cli("ls", "/brokers/topics/zkpfenced")
        assert "[]" in listing.splitlines(), listing  # no partitions/ below it
        assert "org.apache.kafka.common.errors.ControllerMovedException" in bp.output()
        assert "Resigning as the controller" not in bp.output()
    finally:
        c.stop_all()
