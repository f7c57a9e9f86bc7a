"""Helpers shared by test modules (importable as `support`; tests/ is on pythonpath)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

NOT_RUN_PREFIX = "NOT RUN ON THIS MACHINE: "

# Test files that build labs under the same fixed name, so they must never run at the same time:
# file -> a group whose files run in one xdist worker, one after the other (tests/conftest.py;
# tests/unit/test_lab_names.py checks that no other two files share a fixed name). Empty today:
# every live test names its labs for itself (drills too, with `drill start --lab`).
SHARED_LABS: dict[str, str] = {}

# Seconds each real client gets in a live check of a ZooKeeper-mode lab (half to produce, half to
# consume): the first produce waits for the topic's creation through ZooKeeper and the controller,
# which on 2 loaded cores took more than the 2 s a 4 s budget leaves (seen in CI)
ZK_MODE_CLIENT_TIMEOUT = 10.0


def read_to_eof(bootstrap: str, topic: str, partitions: int = 1, timeout: float = 20, **conf) -> list:
    """confluent-kafka: every message of partitions 0..partitions-1 from offset 0, read until
    librdkafka reports each partition's end (partition EOF, at the high watermark, or the last
    stable offset with isolation.level=read_committed in `conf`), bounded by `timeout`. A consumer
    error other than EOF fails the test."""
    from confluent_kafka import Consumer, KafkaError, TopicPartition

    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{time.monotonic_ns()}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            **conf,
        }
    )
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got: list = []
    ended: set[int] = set()
    deadline = time.monotonic() + timeout
    try:
        while len(ended) < partitions and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                assert m.error().code() == KafkaError._PARTITION_EOF, m.error()
                ended.add(m.partition())
                continue
            got.append(m)
    finally:
        c.close()
    assert len(ended) == partitions, f"{topic}: no end of every partition in {timeout} s; read {len(got)}"
    return got


def read_to_end(consumer, tp, timeout: float = 20) -> list:
    """kafka-python: every record of an assigned partition from its position up to its end offset
    as asked now, bounded by `timeout` (not an idle timer, which start-up on a loaded machine can
    use up before the first fetch answers)."""
    end = consumer.end_offsets([tp])[tp]
    out: list = []
    deadline = time.monotonic() + timeout
    while consumer.position(tp) < end and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            out += records
    return out


def not_on_this_kernel(feature: str, why: str = "") -> None:
    """Skip loudly: the check could not run here, which is not the same as passing."""
    pytest.skip(f"{NOT_RUN_PREFIX}{feature} is missing from this kernel{': ' + why if why else ''}")


def not_runnable_here(what: str) -> None:
    pytest.skip(f"{NOT_RUN_PREFIX}{what}")


def missing_program(excinfo) -> str | None:
    """The program name if `excinfo` is subprocess failing to find the program to run (a
    FileNotFoundError raised while starting a child), else None."""
    import os

    exc = excinfo.value
    if not isinstance(exc, FileNotFoundError) or not exc.filename:
        return None
    if not any(entry.name == "_execute_child" for entry in excinfo.traceback):
        return None
    return os.path.basename(str(exc.filename))


def poll(what, timeout: float, step: float = 0.1):
    """`what()` until it is truthy (returned), at most `timeout` seconds; then its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = what()
        if v:
            return v
        time.sleep(step)
    return what()


@contextmanager
def loopback_capture(ports: list[int], pcap: Path, stop_timeout: float = 20) -> Iterator[None]:
    """tshark writing the loopback traffic of `ports` to `pcap` while the block runs: started,
    its file there before the block begins, stopped (SIGINT, so the file is complete) after it,
    whatever the block raised. Fails the test when tshark is missing (scripts/install.sh)."""
    if shutil.which("tshark") is None:
        pytest.fail("tshark is not installed (scripts/install.sh installs it)")
    bpf = " or ".join(f"tcp port {p}" for p in ports)
    cap = subprocess.Popen(
        ["tshark", "-i", "lo", "-f", bpf, "-w", str(pcap)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 10
        while (not pcap.exists() or pcap.stat().st_size == 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # the capture is running, not just its file created
        yield
    finally:
        cap.send_signal(signal.SIGINT)
        cap.wait(stop_timeout)
