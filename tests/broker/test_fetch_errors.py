"""Fetch answers for partitions that cannot be read carry an EMPTY record set, as Kafka's do
(ReplicaManager.readFromLocalLog's error path). A null set (size -1) made librdkafka drop the
whole response ("invalid MessageSetSize -1") and retry forever without seeing the error, so it
never reset an out-of-range offset: the kcat tests below show the reset happening."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from brokerproc import start_broker
from kafka.protocol.consumer import FetchRequest
from rawclient import RawClient, batch
from test_protocol_edges import create, produce

pytestmark = [pytest.mark.clients]

KCAT = shutil.which("kcat")


@pytest.fixture(scope="module")
def fbroker(tmp_path_factory):
    bp = start_broker(tmp_path_factory.mktemp("fetcherr"))
    assert bp.proc.poll() is None, bp.output()
    rc = RawClient("127.0.0.1", bp.port)
    assert create(rc, "short").error_code == 0
    assert produce(rc, "short", batch([b"a", b"b", b"c"])).error_code == 0
    rc.close()
    yield bp
    assert bp.stop() == 0, bp.output()


def _fetch(port: int, topic: str, offset: int, version: int):
    rc = RawClient("127.0.0.1", port)
    try:
        fp = FetchRequest.FetchTopic.FetchPartition(
            partition=0, fetch_offset=offset, partition_max_bytes=1 << 20, version=version
        )
        req = FetchRequest(
            replica_id=-1,
            max_wait_ms=0,
            min_bytes=0,
            max_bytes=1 << 20,
            isolation_level=0,
            topics=[FetchRequest.FetchTopic(topic=topic, partitions=[fp], version=version)],
            version=version,
        )
        return rc.request(req, version).responses[0].partitions[0]
    finally:
        rc.close()


@pytest.mark.parametrize("version", [4, 7, 11, 12])
def test_out_of_range_and_unknown_partitions_get_empty_record_sets(fbroker, version):
    p = _fetch(fbroker.port, "short", 100, version)
    assert p.error_code == 1  # OFFSET_OUT_OF_RANGE
    assert p.records == b"" and p.records is not None
    assert p.high_watermark == -1
    p = _fetch(fbroker.port, "never-created", 0, version)
    assert p.error_code == 3  # UNKNOWN_TOPIC_OR_PARTITION
    assert p.records == b""


def _kcat(*args: str) -> subprocess.CompletedProcess:
    if not KCAT:
        from support import not_runnable_here

        not_runnable_here("kcat is not installed")
    return subprocess.run([KCAT, *args], capture_output=True, text=True, timeout=30)


def test_kcat_resets_an_out_of_range_offset(fbroker):
    # librdkafka's default auto.offset.reset is `latest`: it must see OFFSET_OUT_OF_RANGE, reset
    # to the end (3) and then reach the end of the partition.
    r = _kcat("-C", "-b", fbroker.bootstrap, "-t", "short", "-p", "0", "-o", "100", "-e")
    assert "MessageSetSize" not in r.stderr, r.stderr
    assert "offset reset (at offset 100" in r.stderr and "Offset out of range" in r.stderr, r.stderr
    assert "Reached end of topic short [0] at offset 3" in r.stderr, r.stderr
    r = _kcat(
        "-C", "-b", fbroker.bootstrap, "-t", "short", "-p", "0", "-o", "100", "-e",
        "-X", "auto.offset.reset=beginning",
    )  # fmt: skip
    assert r.stdout.split() == ["a", "b", "c"], r.stderr


def test_kcat_reports_the_error_when_reset_is_error(fbroker):
    r = _kcat(
        "-C", "-b", fbroker.bootstrap, "-t", "short", "-p", "0", "-o", "100", "-e",
        "-X", "auto.offset.reset=error",
    )  # fmt: skip
    assert "Topic short [0] error" in r.stderr and "Offset out of range" in r.stderr, r.stderr
    assert "MessageSetSize" not in r.stderr
