"""Two kafka-python consumers in one group: the second one joining forces a rebalance.

Run inside a namespace: ``python group_rebalance.py BOOTSTRAP TOPIC`` (produces 10 records to
partitions 0 and 1 first). Prints ``assigned [..] [..]`` once both members own a partition.
"""

import sys
import time

from kafka import KafkaConsumer, KafkaProducer

bootstrap, topic = sys.argv[1], sys.argv[2]
producer = KafkaProducer(bootstrap_servers=bootstrap, client_id="kp-producer")
for i in range(10):
    producer.send(topic, b"v%d" % i, partition=i % 2)
producer.flush()
producer.close()


def consumer(name: str) -> KafkaConsumer:
    return KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id="g1",
        client_id=name,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )


deadline = time.time() + 30
first = consumer("member-1")
while not first.assignment() and time.time() < deadline:
    first.poll(200)
second = consumer("member-2")
while time.time() < deadline:
    first.poll(100)
    second.poll(100)
    if first.assignment() and second.assignment():
        break
print(
    "assigned",
    sorted(tp.partition for tp in first.assignment()),
    sorted(tp.partition for tp in second.assignment()),
)
second.close()
first.close()
