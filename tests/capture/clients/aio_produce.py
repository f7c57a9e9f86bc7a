"""aiokafka sends and fetches 3 records (it opens connections with ApiVersions v0).

Run inside a namespace: ``python aio_produce.py BOOTSTRAP TOPIC``; prints ``consumed N``.
"""

import asyncio
import sys

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def main(bootstrap: str, topic: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, client_id="aio-producer")
    await producer.start()
    try:
        for i in range(3):
            await producer.send_and_wait(topic, b"aio-%d" % i, partition=0)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, client_id="aio-consumer", auto_offset_reset="earliest"
    )
    await consumer.start()
    got = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20  # all three, however many answers they come in
    try:
        while got < 3 and loop.time() < deadline:
            batches = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 20)
            got += sum(len(records) for records in batches.values())
    finally:
        await consumer.stop()
    print("consumed", got)


asyncio.run(main(sys.argv[1], sys.argv[2]))
