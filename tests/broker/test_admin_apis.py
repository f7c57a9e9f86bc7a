"""Admin APIs with two real clients each, against a real broker: CreatePartitions, DeleteRecords,
DeleteGroups, OffsetDelete (confluent-kafka's AdminClient and kafka-python's KafkaAdminClient),
DescribeLogDirs (kafka-python, and our raw client built on kafka-python's classes: confluent-kafka
2.16's Python AdminClient has no describe_log_dirs)."""

from __future__ import annotations

import time

import pytest
from brokerproc import start_broker
from rawclient import RawClient, batch
from test_protocol_edges import create, fetch, produce

pytestmark = [pytest.mark.clients]


@pytest.fixture(scope="module")
def abroker(tmp_path_factory):
    bp = start_broker(
        tmp_path_factory.mktemp("admin"),
        [
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=3",
            "group.initial.rebalance.delay.ms=0",
        ],
    )
    assert bp.proc.poll() is None, bp.output()
    yield bp
    assert bp.stop() == 0, bp.output()


@pytest.fixture
def rc(abroker):
    c = RawClient("127.0.0.1", abroker.port)
    yield c
    c.close()


def ck_admin(bp):
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": bp.bootstrap})


def kp_admin(bp):
    from kafka.admin import KafkaAdminClient

    return KafkaAdminClient(bootstrap_servers=bp.bootstrap, request_timeout_ms=15000)


def partitions_of(rc, topic: str) -> int:
    from kafka.protocol.metadata import MetadataRequest

    md = rc.request(
        MetadataRequest(topics=[MetadataRequest.MetadataRequestTopic(name=topic, version=9)], version=9), 9
    )
    return len(md.topics[0].partitions)


# --- CreatePartitions ---


def test_create_partitions_confluent(abroker, rc):
    from confluent_kafka.admin import NewPartitions

    assert create(rc, "cp-ck").error_code == 0
    admin = ck_admin(abroker)
    admin.create_partitions([NewPartitions("cp-ck", 3)], request_timeout=15)["cp-ck"].result(15)
    assert partitions_of(rc, "cp-ck") == 3
    assert produce(rc, "cp-ck", batch([b"x"]), partition=2).error_code == 0  # the new partition works
    with pytest.raises(Exception) as exc:
        admin.create_partitions([NewPartitions("cp-ck", 2)], request_timeout=15)["cp-ck"].result(15)
    assert "currently has 3 partition(s); 2 would not be an increase" in str(exc.value)
    with pytest.raises(Exception) as exc:
        admin.create_partitions([NewPartitions("cp-ck", 5, [[1], [7]])], request_timeout=15)["cp-ck"].result(
            15
        )
    assert "includes broker 7, but no such broker is registered" in str(exc.value)
    assert partitions_of(rc, "cp-ck") == 3


def test_create_partitions_kafka_python(abroker, rc):
    from kafka.errors import InvalidPartitionsError

    assert create(rc, "cp-kp").error_code == 0
    admin = kp_admin(abroker)
    try:
        admin.create_partitions({"cp-kp": 4}, validate_only=True)
        assert partitions_of(rc, "cp-kp") == 1  # validate_only changes nothing
        admin.create_partitions({"cp-kp": {"count": 4, "assignments": [[1], [1], [1]]}})
        assert partitions_of(rc, "cp-kp") == 4
        with pytest.raises(InvalidPartitionsError):
            admin.create_partitions({"cp-kp": 4})
    finally:
        admin.close()


# --- DeleteRecords ---


def test_delete_records_confluent(abroker, rc):
    from confluent_kafka import TopicPartition

    assert create(rc, "dr-ck").error_code == 0
    for i in range(5):
        assert produce(rc, "dr-ck", batch([b"v%d" % i])).error_code == 0
    admin = ck_admin(abroker)
    res = admin.delete_records([TopicPartition("dr-ck", 0, 3)], request_timeout=15)
    deleted = list(res.values())[0].result(15)
    assert deleted.low_watermark == 3
    p = fetch(rc, "dr-ck", 0)
    assert p.error_code == 1  # OFFSET_OUT_OF_RANGE below the new log start
    p = fetch(rc, "dr-ck", 3)
    assert p.error_code == 0 and p.log_start_offset == 3
    res = admin.delete_records([TopicPartition("dr-ck", 0, 99)], request_timeout=15)
    with pytest.raises(Exception) as exc:
        list(res.values())[0].result(15)
    assert "OFFSET_OUT_OF_RANGE" in str(exc.value) or "out of range" in str(exc.value).lower()


def test_delete_records_kafka_python_high_watermark(abroker, rc):
    from kafka import TopicPartition

    assert create(rc, "dr-kp").error_code == 0
    for i in range(4):
        assert produce(rc, "dr-kp", batch([b"v%d" % i])).error_code == 0
    admin = kp_admin(abroker)
    try:
        got = admin.delete_records({TopicPartition("dr-kp", 0): -1})  # -1: up to the high watermark
        assert got[TopicPartition("dr-kp", 0)]["low_watermark"] == 4
    finally:
        admin.close()
    assert fetch(rc, "dr-kp", 4).log_start_offset == 4


# --- groups: DeleteGroups, OffsetDelete ---


def _commit(bp, group: str, topic: str, offset: int) -> None:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bp.bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        c.commit(offsets=[TopicPartition(topic, 0, offset)], asynchronous=False)
    finally:
        c.close()


def _committed(bp, group: str, topic: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bp.bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        return c.committed([TopicPartition(topic, 0)], timeout=15)[0].offset
    finally:
        c.close()


def test_delete_groups_both_clients(abroker, rc):
    from confluent_kafka.error import KafkaError

    assert create(rc, "dg").error_code == 0
    assert produce(rc, "dg", batch([b"a", b"b"])).error_code == 0
    _commit(abroker, "dg-ck", "dg", 2)
    _commit(abroker, "dg-kp", "dg", 1)
    admin = ck_admin(abroker)
    admin.delete_consumer_groups(["dg-ck"], request_timeout=15)["dg-ck"].result(15)
    assert _committed(abroker, "dg-ck", "dg") < 0  # no committed offset any more
    with pytest.raises(Exception) as exc:
        admin.delete_consumer_groups(["dg-ck"], request_timeout=15)["dg-ck"].result(15)
    assert exc.value.args[0].code() == KafkaError.GROUP_ID_NOT_FOUND
    kp = kp_admin(abroker)
    try:
        results = dict(kp.delete_groups(["dg-kp", "never-existed"]))
        assert results == {"dg-kp": "OK", "never-existed": "GroupIdNotFoundError"}
    finally:
        kp.close()
    assert _committed(abroker, "dg-kp", "dg") < 0


def test_delete_group_of_a_running_consumer_is_non_empty(abroker, rc):
    from kafka import KafkaConsumer

    assert create(rc, "dg-live").error_code == 0
    c = KafkaConsumer("dg-live", bootstrap_servers=abroker.bootstrap, group_id="dg-live-g")
    try:
        deadline = time.monotonic() + 60  # generous: the machine is shared
        while not c.assignment() and time.monotonic() < deadline:
            c.poll(200)
        assert c.assignment()
        kp = kp_admin(abroker)
        try:
            assert dict(kp.delete_groups(["dg-live-g"]))["dg-live-g"] == "NonEmptyGroupError"
            from kafka import TopicPartition

            got = kp.delete_group_offsets(
                "dg-live-g", [TopicPartition("dg-live", 0), TopicPartition("other", 0)]
            )
            assert got[TopicPartition("dg-live", 0)].__name__ == "GroupSubscribedToTopicError"
            assert got[TopicPartition("other", 0)].__name__ == "NoError"
        finally:
            kp.close()
    finally:
        c.close()


def test_offset_delete_on_an_empty_group(abroker, rc):
    from kafka import TopicPartition

    assert create(rc, "od").error_code == 0
    assert produce(rc, "od", batch([b"a", b"b", b"c"])).error_code == 0
    _commit(abroker, "od-g", "od", 3)
    kp = kp_admin(abroker)
    try:
        got = kp.delete_group_offsets("od-g", [TopicPartition("od", 0)])
        assert got[TopicPartition("od", 0)].__name__ == "NoError"
    finally:
        kp.close()
    assert _committed(abroker, "od-g", "od") < 0


# --- DescribeLogDirs ---


def test_describe_log_dirs_kafka_python(abroker, rc):
    assert create(rc, "ld", partitions=2).error_code == 0
    assert produce(rc, "ld", batch([b"x" * 100])).error_code == 0
    kp = kp_admin(abroker)
    try:
        got = kp.describe_log_dirs({"ld": [0, 1]})
    finally:
        kp.close()
    text = repr(got)
    assert "kafka-logs" in text and "ld" in text, text


def test_describe_log_dirs_raw_v4(abroker, rc):
    from kafka.protocol.admin import DescribeLogDirsRequest

    assert create(rc, "ld-raw").error_code == 0
    assert produce(rc, "ld-raw", batch([b"y" * 200])).error_code == 0
    topic = DescribeLogDirsRequest.DescribableLogDirTopic(topic="ld-raw", partitions=[0], version=4)
    resp = rc.request(DescribeLogDirsRequest(topics=[topic], version=4), 4)
    (result,) = resp.results
    assert result.error_code == 0 and result.log_dir.endswith("kafka-logs")
    assert result.total_bytes > 0 and 0 <= result.usable_bytes <= result.total_bytes
    (t,) = result.topics
    (p,) = t.partitions
    assert (t.name, p.partition_index, p.offset_lag, p.is_future_key) == ("ld-raw", 0, 0, False)
    assert p.partition_size > 200


# --- ElectLeaders (single node: nothing to move; the cluster case is in test_admin_cluster.py) ---


def test_elect_leaders_single_node_both_clients(abroker, rc):
    from confluent_kafka import TopicPartition
    from confluent_kafka._model import ElectionType
    from confluent_kafka.error import KafkaError

    assert create(rc, "el").error_code == 0
    admin = ck_admin(abroker)
    got = admin.elect_leaders(ElectionType.PREFERRED, [TopicPartition("el", 0)]).result(15)
    err = got[TopicPartition("el", 0)]
    assert err is not None and err.code() == KafkaError.ELECTION_NOT_NEEDED
    got = admin.elect_leaders(ElectionType.UNCLEAN, [TopicPartition("el", 0)]).result(15)
    assert got[TopicPartition("el", 0)].code() == KafkaError.ELECTION_NOT_NEEDED  # the leader is alive
    kp = kp_admin(abroker)
    try:
        resp = kp.elect_leaders(0, {"el": [0], "no-such-topic": [0]}, raise_errors=False)
        codes = {
            (r.topic, p.partition_id): p.error_code
            for r in resp.replica_election_results
            for p in r.partition_result
        }
        assert codes == {
            ("el", 0): 84,
            ("no-such-topic", 0): 3,
        }  # ELECTION_NOT_NEEDED, UNKNOWN_TOPIC_OR_PARTITION
    finally:
        kp.close()
    # a null partition list (kafka-python expands None itself): every partition; those that
    # need no election are left out of the answer, as Kafka does
    from kafka.protocol.admin import ElectLeadersRequest

    resp = rc.request(
        ElectLeadersRequest(election_type=0, topic_partitions=None, timeout_ms=5000, version=2), 2
    )
    assert resp.error_code == 0 and all(not r.partition_result for r in resp.replica_election_results)
