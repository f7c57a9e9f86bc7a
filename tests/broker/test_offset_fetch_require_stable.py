"""OffsetFetch's require_stable (KIP-447), found by librdkafka's 0103_transactions on a loaded
3-broker run (a committed offset read between EndTxn and the marker: -1001). While offsets sent
with a transaction wait for its marker, a read_committed client (librdkafka asks require_stable)
gets UNSTABLE_OFFSET_COMMIT and retries, so `committed()` does not answer the offset from before
the transaction; a read_uncommitted one (kafka-python: no require_stable) gets that old offset,
as from Kafka. After the commit both see the new offset."""

from __future__ import annotations

import uuid

import pytest
from brokerproc import start_broker
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

pytestmark = [pytest.mark.clients]

SETTINGS = [
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "offsets.topic.replication.factor=1",
    "group.initial.rebalance.delay.ms=0",
]


def test_pending_transactional_offsets_are_unstable_for_read_committed(tmp_path):
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTP

    bp = start_broker(tmp_path, SETTINGS)
    try:
        bs = bp.bootstrap
        topic, group = f"rs_{uuid.uuid4().hex[:6]}", "rs_group"
        admin = AdminClient({"bootstrap.servers": bs})  # kept alive until the answer is in
        admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(15)
        reader = Consumer({"bootstrap.servers": bs, "group.id": group, "enable.auto.commit": False})
        reader.commit(offsets=[TopicPartition(topic, 0, 1)], asynchronous=False)  # the offset before
        p = Producer({"bootstrap.servers": bs, "transactional.id": f"tx_{topic}"})
        p.init_transactions(30)
        p.begin_transaction()
        p.send_offsets_to_transaction([TopicPartition(topic, 0, 7)], reader.consumer_group_metadata(), 30)
        with pytest.raises(KafkaException, match="(?i)timed out|unstable"):
            reader.committed([TopicPartition(topic, 0)], timeout=3)  # retried while unstable
        kp = KafkaConsumer(bootstrap_servers=bs, group_id=group, enable_auto_commit=False)
        try:
            assert kp.committed(KTP(topic, 0)) == 1  # no require_stable: the stable offset
            p.commit_transaction(30)
            assert reader.committed([TopicPartition(topic, 0)], timeout=10)[0].offset == 7
            assert kp.committed(KTP(topic, 0)) == 7
        finally:
            kp.close()
            reader.close()
    finally:
        bp.stop()
