"""The log is used from the broker's event loop, but rolls fsync in background threads and a
broker may read from other threads: appends, reads and retention running at once must never
serve a torn or foreign batch."""

from __future__ import annotations

import random
import threading
import uuid

from kafka.record.memory_records import MemoryRecords

from broker.log import LogConfig, OffsetOutOfRangeError, PartitionLog
from broker.log.builder import build_batch


def test_concurrent_append_read_retention(tmp_path):
    log = PartitionLog(
        tmp_path / "t-0", "t", 0, uuid.uuid4(), LogConfig(segment_bytes=4000, retention_bytes=20_000)
    )
    errors: list[BaseException] = []
    done = threading.Event()
    reads = 0

    def writer() -> None:
        try:
            for i in range(1500):
                log.append(build_batch([(None, b"%d-%d" % (i, j) + b"x" * 60, i) for j in range(3)]))
                log.high_watermark = log.log_end_offset
        except BaseException as e:  # noqa: BLE001 - reported by the test thread
            errors.append(e)
        finally:
            done.set()

    def cleaner() -> None:
        while not done.is_set():
            try:
                log.enforce_retention()
            except BaseException as e:  # noqa: BLE001
                errors.append(e)
                return

    def reader() -> None:
        try:
            read_loop()
        except BaseException as e:  # noqa: BLE001 - an assert here must fail the test
            errors.append(e)

    def read_loop() -> None:
        nonlocal reads
        rng = random.Random(7)
        for _ in range(1_000_000):  # bounded; normally ends when the writer is done
            if done.is_set() and reads >= 50:
                return
            start, end = log.log_start_offset, log.log_end_offset
            if end == start:
                continue
            off = rng.randrange(start, end)
            try:
                data = log.read(off, 3000)
            except OffsetOutOfRangeError:
                continue  # retention moved the start meanwhile
            recs = MemoryRecords(bytes(data))
            while recs.has_next():
                b = recs.next_batch()
                assert b.validate_crc()
                for r in b:
                    i = r.offset // 3
                    assert bytes(r.value).startswith(b"%d-%d" % (i, r.offset % 3)), r.offset
            reads += 1

    threads = [threading.Thread(target=f) for f in (writer, cleaner, reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert log.log_end_offset == 4500 and reads >= 50
    assert log.size_in_bytes <= 20_000 + 4000 and log.log_start_offset > 0
    log.close()
