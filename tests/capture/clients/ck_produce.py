"""confluent-kafka (librdkafka 2.16) produces 5 records and reads them back with a group consumer.

Run inside a namespace: ``python ck_produce.py BOOTSTRAP TOPIC``; prints ``consumed N``.
"""

import sys
import time

from confluent_kafka import Consumer, Producer

bootstrap, topic = sys.argv[1], sys.argv[2]
producer = Producer({"bootstrap.servers": bootstrap, "client.id": "ck-producer"})
for i in range(5):
    producer.produce(topic, b"ck-%d" % i)
producer.flush(15)
consumer = Consumer(
    {
        "bootstrap.servers": bootstrap,
        "group.id": "ck-group",
        "client.id": "ck-consumer",
        "auto.offset.reset": "earliest",
    }
)
consumer.subscribe([topic])
got = 0
deadline = time.time() + 20
while got < 5 and time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is not None and not msg.error():
        got += 1
consumer.close()
print("consumed", got)
