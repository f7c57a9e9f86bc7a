"""Client quotas in ZooKeeper mode (a real ZooKeeper, three real `python -m broker` processes):
AlterClientQuotas through broker 1 writes the entity znodes and a /config/changes notification as
Kafka's ZkAdminManager / AdminZkClient do (read back with zkCli.sh), brokers 2 and 3 describe
them, broker 3 enforces a produce quota it learnt from the notification, and a removal deletes
the znode and reaches every broker. kafka-python's protocol classes encode the requests."""

from __future__ import annotations

import json

import pytest
from rawclient import RawClient
from test_quotas import _alter, _alter_entity, _describe, _produce
from test_zk_cluster import cluster, wait_until, zk, zk_get  # noqa: F401 (the fixtures)

pytestmark = [pytest.mark.clients, pytest.mark.slow]


def _client(c, i: int) -> RawClient:
    return RawClient(f"127.0.0.{i}", c.ports[i][1])


def _describe_all(rc: RawClient) -> dict:
    """Every entity (no filter, not strict): {((type, name), ...): {key: value}}."""
    from kafka.protocol.admin.client_quotas import DescribeClientQuotasRequest

    resp = rc.request(DescribeClientQuotasRequest(components=[], strict=False, version=1), 1)
    assert resp.error_code == 0, resp
    return {
        tuple((e.entity_type, e.entity_name) for e in entry.entity): {v.key: v.value for v in entry.values}
        for entry in resp.entries
    }


def test_quotas_altered_through_one_broker_are_seen_by_all(cluster, zk):  # noqa: F811
    rc = _client(cluster, 1)
    try:
        assert _alter(rc, "quo_reader", "consumer_byte_rate", 30000.0).entries[0].error_code == 0
        pair = [("user", "ANONYMOUS"), ("client-id", "quo c")]  # a name Kafka sanitizes: %20
        assert _alter_entity(rc, pair, "request_percentage", 25.5).entries[0].error_code == 0
        bad = _alter_entity(rc, [("ip", "not-an-address")], "connection_creation_rate", 5.0).entries[0]
        assert (bad.error_code, bad.error_message) == (
            42,
            "not-an-address is not a valid IP or resolvable host.",
        )
        frac = _alter(rc, "quo_reader", "producer_byte_rate", 1.5).entries[0]
        assert (frac.error_code, frac.error_message) == (
            42,
            "Configuration producer_byte_rate must be a LONG value",
        )
    finally:
        rc.close()

    # the znodes as Kafka writes them (ConfigEntityZNode; a LONG as an integer, a DOUBLE as Java prints it)
    assert json.loads(zk_get(zk, "/config/clients/quo_reader")) == {
        "version": 1,
        "config": {"consumer_byte_rate": "30000"},
    }
    assert json.loads(zk_get(zk, "/config/users/ANONYMOUS/clients/quo%20c")) == {
        "version": 1,
        "config": {"request_percentage": "25.5"},
    }
    changes = sorted(line for line in zk.cli("ls", "/config/changes").split() if "config_change_" in line)
    paths = [json.loads(zk_get(zk, f"/config/changes/{c.strip('[],')}"))["entity_path"] for c in changes]
    assert paths == ["clients/quo_reader", "users/ANONYMOUS/clients/quo%20c"], changes

    want = {
        (("client-id", "quo_reader"),): {"consumer_byte_rate": 30000.0},
        (("client-id", "quo c"), ("user", "ANONYMOUS")): {"request_percentage": 25.5},
    }
    for i in (2, 3):
        rc = _client(cluster, i)
        try:
            assert _describe_all(rc) == want, i
            # a client-id filter, not strict: every entity with a client-id, the <user, client-id> one too
            assert _describe(rc) == {
                "quo_reader": {"consumer_byte_rate": 30000.0},
                "quo c": {"request_percentage": 25.5},
            }, i
        finally:
            rc.close()

    # broker 3 learns a produce quota set through broker 1 from the notification and throttles
    rc = _client(cluster, 1)
    try:
        assert _alter(rc, "rawclient", "producer_byte_rate", 1000.0).entries[0].error_code == 0
    finally:
        rc.close()
    rc = _client(cluster, 3)
    try:
        # 30 kB in the 10 s minimum window: 3 kB/s against 1 kB/s (the topic need not exist: Kafka
        # counts the request's bytes whatever the partitions answer)
        wait_until(lambda: _produce(rc, "quo_none", 30_000).throttle_time_ms > 0, 15, "broker 3 throttling")
    finally:
        rc.close()
    assert "Processing override for entityPath: clients/rawclient" in cluster.procs[3].output()

    # a removal deletes the emptied znode, and every broker stops describing it
    rc = _client(cluster, 2)
    try:
        assert _alter(rc, "quo_reader", "consumer_byte_rate", 0.0, remove=True).entries[0].error_code == 0
    finally:
        rc.close()
    assert zk_get(zk, "/config/clients/quo_reader") is None
    for i in (1, 3):
        rc = _client(cluster, i)
        try:
            assert "quo_reader" not in _describe(rc), i
        finally:
            rc.close()
