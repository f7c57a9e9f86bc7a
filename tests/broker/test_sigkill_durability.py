"""End to end durability: SIGKILL the broker while a real producer is writing; after a restart every
acknowledged record is there at its acknowledged offset, and everything served passes the
clients' CRC checks (docs/broker.md "Durability": an ack means written to the page cache)."""

from __future__ import annotations

import signal
import time

import pytest
from brokerproc import start_broker

pytestmark = [pytest.mark.clients, pytest.mark.slow]


def test_acknowledged_records_survive_sigkill(tmp_path):
    from confluent_kafka import Consumer, Producer, TopicPartition

    bp = start_broker(tmp_path)
    assert bp.proc.poll() is None, bp.output()
    acked: dict[int, bytes] = {}

    def on_delivery(err, msg):
        if err is None:
            acked[msg.offset()] = msg.value()

    p = Producer(
        {
            "bootstrap.servers": bp.bootstrap,
            "acks": "all",
            "linger.ms": 2,
            "message.timeout.ms": 3000,
            "enable.idempotence": True,
        }
    )
    i = 0
    deadline = time.monotonic() + 20
    while len(acked) < 20_000 and time.monotonic() < deadline:  # write until well into the log
        try:
            p.produce("durable", value=b"rec-%08d" % i + b"." * 200, on_delivery=on_delivery)
            i += 1
        except BufferError:
            pass
        p.poll(0)
    for _ in range(200):  # keep producing while the broker dies
        try:
            p.produce("durable", value=b"rec-%08d" % i + b"." * 200, on_delivery=on_delivery)
            i += 1
        except BufferError:
            pass
        if _ == 50:
            bp.proc.send_signal(signal.SIGKILL)
        p.poll(0)
    assert bp.proc.wait(10) == -signal.SIGKILL
    p.flush(5)  # the rest fail: the broker is gone
    assert len(acked) >= 20_000

    bp2 = start_broker(tmp_path, port=bp.port)
    try:
        assert bp2.proc.poll() is None, bp2.output()
        c = Consumer(
            {
                "bootstrap.servers": bp2.bootstrap,
                "group.id": "x",
                "enable.auto.commit": False,
                "check.crcs": True,
                "enable.partition.eof": True,
            }
        )
        c.assign([TopicPartition("durable", 0, 0)])
        stored: dict[int, bytes] = {}
        end = False
        t_end = time.monotonic() + 60
        while not end and time.monotonic() < t_end:
            for m in c.consume(5000, 1.0):
                if m.error():
                    assert m.error().code() == -191, m.error()  # _PARTITION_EOF: read to the end cleanly
                    end = True
                    continue
                stored[m.offset()] = m.value()
        c.close()
        assert end
        missing = [o for o in acked if stored.get(o) != acked[o]]
        assert not missing, f"{len(missing)} acknowledged records lost or changed, first {missing[:5]}"
        assert sorted(stored) == list(range(len(stored)))  # no holes
    finally:
        assert bp2.stop() == 0
