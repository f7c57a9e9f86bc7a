"""Client byte-rate quotas: a client over its produce or fetch quota gets throttle_time_ms in the
response and its connection is muted for that time (the next request on it is answered only
afterwards); quotas set per client id with AlterClientQuotas (kafka-python's protocol classes, an
independent encoder), described back, kept as ClientQuotaRecords in the metadata log (read back
with our kafka-dump-log) and so across a restart; librdkafka reports the throttle it was told."""

from __future__ import annotations

import json
import time
import uuid

from brokerproc import metadata_log_records, start_broker
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from kafka.protocol.admin.client_quotas import AlterClientQuotasRequest, DescribeClientQuotasRequest
from kafka.protocol.producer import ProduceRequest
from rawclient import RawClient, batch


def _topic(bs: str) -> str:
    name = f"q_{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bs})
    admin.create_topics([NewTopic(name, 1, 1)])[name].result(15)
    return name


def _produce(rc: RawClient, topic: str, nbytes: int):
    pd = ProduceRequest.TopicProduceData.PartitionProduceData(
        index=0, records=batch([b"x" * nbytes]), version=8
    )
    td = ProduceRequest.TopicProduceData(name=topic, partition_data=[pd], version=8)
    req = ProduceRequest(transactional_id=None, acks=1, timeout_ms=5000, topic_data=[td], version=8)
    return rc.request(req, 8)


def test_produce_quota_throttles_and_mutes(tmp_path):
    bp = start_broker(tmp_path, ["quota.producer.default=20000"])  # 20 kB/s for every client id
    try:
        topic = _topic(bp.bootstrap)
        rc = RawClient("127.0.0.1", bp.port)
        try:
            throttles = [_produce(rc, topic, 50_000).throttle_time_ms for _ in range(5)]
            # 250 kB in the 10 s minimum window (11 samples of 1 s): 25 kB/s, 5 kB/s over 20 kB/s;
            # Kafka's throttle time: (25 - 20) / 20 * 10 s = 2.5 s (plus the requests' framing)
            assert throttles[:3] == [0, 0, 0], throttles  # 150 kB / 10 s is within the quota
            assert 2000 < throttles[4] < 3000, throttles
            start = time.monotonic()
            resp = _produce(rc, topic, 10)  # the channel is muted: answered after the throttle time
            waited_ms = (time.monotonic() - start) * 1000
            assert waited_ms >= throttles[4] * 0.9, (waited_ms, throttles)
            assert resp.responses[0].partition_responses[0].error_code == 0
        finally:
            rc.close()
    finally:
        assert bp.stop() == 0, bp.output()


def _alter(rc: RawClient, name: str | None, key: str, value: float, remove: bool = False):
    E = AlterClientQuotasRequest.EntryData
    entry = E(
        entity=[E.EntityData(entity_type="client-id", entity_name=name)],
        ops=[E.OpData(key=key, value=value, remove=remove)],
    )
    return rc.request(AlterClientQuotasRequest(entries=[entry], validate_only=False, version=1), 1)


def _alter_entity(rc: RawClient, entity: list[tuple[str, str | None]], key: str, value: float):
    E = AlterClientQuotasRequest.EntryData
    entry = E(
        entity=[E.EntityData(entity_type=t, entity_name=n) for t, n in entity],
        ops=[E.OpData(key=key, value=value, remove=False)],
    )
    return rc.request(AlterClientQuotasRequest(entries=[entry], validate_only=False, version=1), 1)


def _describe(rc: RawClient) -> dict:
    C = DescribeClientQuotasRequest.ComponentData
    resp = rc.request(
        DescribeClientQuotasRequest(
            components=[C(entity_type="client-id", match_type=2, match=None)], strict=False, version=1
        ),
        1,
    )
    assert resp.error_code == 0
    return {e.entity[0].entity_name: {v.key: v.value for v in e.values} for e in resp.entries}


def _quota_records(metadata_dir) -> list[dict]:
    """The ClientQuotaRecords of a metadata log as kafka-dump-log --cluster-metadata-decoder prints them."""
    return [d["data"] for d in metadata_log_records(metadata_dir) if d["type"] == "CLIENT_QUOTA_RECORD"]


def test_alter_and_describe_client_quotas_then_fetch_throttled(tmp_path):
    # two 1-second samples: the rate is measured over 1-2 s, so throttles stay short here
    bp = start_broker(tmp_path, ["quota.window.num=2"])
    try:
        bs = bp.bootstrap
        topic = _topic(bs)
        p = Producer({"bootstrap.servers": bs, "linger.ms": 50})
        for _ in range(20):
            p.produce(topic, b"y" * 2000)  # 40 kB
        assert p.flush(30) == 0
        rc = RawClient("127.0.0.1", bp.port)
        try:
            r = _alter(rc, "slow_reader", "consumer_byte_rate", 30000.0)
            assert r.entries[0].error_code == 0
            bad = _alter(rc, "slow_reader", "byte_rate", 50.0)  # not a quota key (QuotaConfigs)
            assert (bad.entries[0].error_code, bad.entries[0].error_message) == (
                42,
                "Invalid configuration key byte_rate",
            )
            assert _alter(rc, None, "producer_byte_rate", 1e9).entries[0].error_code == 0
            assert _describe(rc) == {
                "slow_reader": {"consumer_byte_rate": 30000.0},
                None: {"producer_byte_rate": 1e9},
            }
        finally:
            rc.close()
        records = _quota_records(tmp_path / "kafka-logs" / "__cluster_metadata-0")
        assert {
            "entity": [{"entityType": "client-id", "entityName": "slow_reader"}],
            "key": "consumer_byte_rate",
            "value": 30000.0,
            "remove": False,
        } in records, records
        assert not (tmp_path / "kafka-logs" / "client-quotas.json").exists()
        stats: list[dict] = []
        c = Consumer(
            {
                "bootstrap.servers": bs,
                "group.id": "q",
                "client.id": "slow_reader",
                "enable.auto.commit": False,
                "statistics.interval.ms": 200,
                "stats_cb": lambda s: stats.append(json.loads(s)),
            }
        )
        c.assign([TopicPartition(topic, 0, 0)])
        got, deadline = 0, time.monotonic() + 15
        while got < 20 and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                got += 1
        c.poll(0.5)  # one more stats callback
        c.close()
        assert got == 20
        throttles = [
            b["throttle"]["max"]
            for s in stats
            for b in s["brokers"].values()
            if b.get("nodeid", -1) >= 0 and b.get("throttle")
        ]
        assert max(throttles, default=0) > 0, "librdkafka saw no throttle_time_ms"
    finally:
        assert bp.stop() == 0, bp.output()
    bp = start_broker(tmp_path)  # quotas survive a restart
    try:
        rc = RawClient("127.0.0.1", bp.port)
        try:
            assert _describe(rc)["slow_reader"] == {"consumer_byte_rate": 30000.0}
        finally:
            rc.close()
    finally:
        assert bp.stop() == 0, bp.output()


def test_user_quota_comes_before_the_client_ids(tmp_path):
    """Kafka's order of precedence: a quota of the user (every PLAINTEXT client is ANONYMOUS)
    applies before the client id's own, which here would never throttle."""
    bp = start_broker(tmp_path)
    try:
        topic = _topic(bp.bootstrap)
        rc = RawClient("127.0.0.1", bp.port)
        try:
            assert _alter(rc, "rawclient", "producer_byte_rate", 1e9).entries[0].error_code == 0
            r = _alter_entity(rc, [("user", "ANONYMOUS")], "producer_byte_rate", 20000.0)
            assert r.entries[0].error_code == 0
            throttles = [_produce(rc, topic, 50_000).throttle_time_ms for _ in range(5)]
            # as in test_produce_quota_throttles_and_mutes: 25 kB/s against the user's 20 kB/s
            assert throttles[:3] == [0, 0, 0] and 2000 < throttles[4] < 3000, throttles
        finally:
            rc.close()
    finally:
        assert bp.stop() == 0, bp.output()
