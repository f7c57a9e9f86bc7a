"""Run inside a lab node (ip netns exec): an idempotent acks=all producer of numbered records, or
a consumer that reads them back. Used by test_quorum_live.py; every run is bounded in time.

    python quorum_writer.py produce BOOTSTRAP TOPIC STOPFILE OUTFILE  # until STOPFILE exists (≤ 180 s)
    python quorum_writer.py consume BOOTSTRAP TOPIC COUNT OUTFILE     # until COUNT read (≤ 30 s)

While producing, OUTFILE.progress holds the number acknowledged so far. OUTFILE gets JSON:
produce → {"produced", "unflushed", "acked": [[offset, value], ...], "failed": [...],
"acked_at": [[seconds since start, acked so far], ...]}; consume → {"values": [...]}."""

from __future__ import annotations

import json
import os
import sys
import time

MAX_PRODUCE_S = 180
MAX_CONSUME_S = 30


def produce(bootstrap: str, topic: str, stopfile: str, outfile: str) -> None:
    from confluent_kafka import Producer

    acked: list[list[int]] = []
    failed: list[str] = []
    progress: list[list[float]] = []

    def report(err, msg) -> None:
        if err:
            failed.append(str(err))
        else:
            acked.append([msg.offset(), int(msg.value())])

    p = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "message.timeout.ms": 60000,
            "linger.ms": 5,
            "topic.metadata.refresh.interval.ms": 500,
        }
    )
    start, n = time.monotonic(), 0
    while not os.path.exists(stopfile) and time.monotonic() - start < MAX_PRODUCE_S:
        p.produce(topic, str(n).encode(), partition=0, on_delivery=report)
        n += 1
        p.poll(0.005)
        if n % 50 == 0:
            progress.append([round(time.monotonic() - start, 2), len(acked)])
            with open(outfile + ".tmp", "w") as fh:  # the test watches the acks grow
                fh.write(str(len(acked)))
            os.replace(outfile + ".tmp", outfile + ".progress")
    left = p.flush(60)
    with open(outfile, "w") as fh:
        json.dump(
            {"produced": n, "unflushed": left, "acked": acked, "failed": failed, "acked_at": progress}, fh
        )


def consume(bootstrap: str, topic: str, count: int, outfile: str) -> None:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "quorum-live", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    got: list[int] = []
    deadline = time.monotonic() + MAX_CONSUME_S
    while len(got) < count and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got.append(int(m.value()))
    end = time.monotonic() + 1  # anything beyond COUNT would be a duplicate: read on briefly
    while time.monotonic() < end:
        m = c.poll(0.2)
        if m is not None and not m.error():
            got.append(int(m.value()))
    c.close()
    with open(outfile, "w") as fh:
        json.dump({"values": got}, fh)


if __name__ == "__main__":
    verb, bootstrap, topic, arg, out = sys.argv[1:6]
    if verb == "produce":
        produce(bootstrap, topic, arg, out)
    else:
        consume(bootstrap, topic, int(arg), out)
