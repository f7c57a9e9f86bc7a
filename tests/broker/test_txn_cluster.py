"""Transactions on a three-broker cluster: `__transaction_state` replicated (RF 3, min ISR 2), a
transaction over partitions led by all three brokers, so the coordinator writes some markers
itself and sends the others with WriteTxnMarkers; and the coordinator's state moving to a new
leader when its broker dies."""

from __future__ import annotations

import re

import pytest
from clusterproc import Cluster
from support import read_to_eof
from test_cluster import create_topic

from broker.group.partitioning import partition_for

pytestmark = [pytest.mark.clients, pytest.mark.slow]

TXN = [
    "transaction.state.log.replication.factor=3",
    "transaction.state.log.min.isr=2",
    "transaction.state.log.num.partitions=3",
]


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path, extra={i: TXN for i in (1, 2, 3)})
    try:
        c.start_all()
        yield c
    finally:
        c.stop_all()


def _read(bootstrap: str, topic: str, partitions: int, isolation: str) -> list[bytes]:
    return sorted(
        m.value() for m in read_to_eof(bootstrap, topic, partitions, 30, **{"isolation.level": isolation})
    )


def test_transaction_across_three_leaders_and_coordinator_failover(cluster):
    from confluent_kafka import Producer

    bs = cluster.bootstrap
    create_topic(bs, "txc", 3, 3)
    leaders = {cluster.partition("txc", p)["leader"] for p in range(3)}
    assert leaders == {1, 2, 3}, leaders  # markers go to every broker
    tid = "txc_cluster"

    def producer() -> Producer:
        p = Producer({"bootstrap.servers": bs, "transactional.id": tid, "acks": "all"})
        p.init_transactions(60)
        return p

    p = producer()
    p.begin_transaction()
    for i in range(3):
        p.produce("txc", f"c{i}".encode(), partition=i)
    p.commit_transaction(60)
    p.begin_transaction()
    for i in range(3):
        p.produce("txc", f"a{i}".encode(), partition=i)
    p.flush(30)
    p.abort_transaction(60)
    assert _read(bs, "txc", 3, "read_committed") == [b"c0", b"c1", b"c2"]
    assert _read(bs, "txc", 3, "read_uncommitted") == [b"a0", b"a1", b"a2", b"c0", b"c1", b"c2"]
    state = next(t for t in cluster.state()["topics"] if t["name"] == "__transaction_state")
    assert all(sorted(x["replicas"]) == [1, 2, 3] for x in state["partitions"])
    # failover: an id whose coordinator is not node 1 (the controller must survive the kill)
    leaders = {x["p"]: x["leader"] for x in state["partitions"]}
    tid = next(t for t in (f"txc_failover{i}" for i in range(100)) if leaders[partition_for(t, 3)] != 1)
    coordinator = leaders[partition_for(tid, 3)]
    p = producer()
    p.begin_transaction()
    p.produce("txc", b"before_failover", partition=0)
    p.commit_transaction(60)
    del p
    cluster.kill(coordinator)
    assert cluster.wait(
        lambda: (
            cluster.partition("__transaction_state", partition_for(tid, 3))["leader"] not in (coordinator, -1)
        ),
        15,
    )
    new = cluster.partition("__transaction_state", partition_for(tid, 3))["leader"]
    alive = ",".join(n.bootstrap for i, n in cluster.nodes.items() if i != coordinator)
    bs = alive
    p = Producer({"bootstrap.servers": alive, "transactional.id": tid, "acks": "all"})
    p.init_transactions(60)  # the new coordinator loaded the id: same producer id, next epoch
    assert re.search(
        rf"Initialized transactionalId {tid} with producerId \d+ and producer epoch 1 on partition",
        cluster.output(new),
    ), cluster.output(new)
