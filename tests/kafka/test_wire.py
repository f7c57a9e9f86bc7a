"""The probe's Kafka connection (broker codec used as a client) against a real broker on
loopback: ApiVersions with the KIP-511 downgrade, Metadata at old and flexible versions."""

from __future__ import annotations

import socket

import pytest
from kafkalab import start_broker

from netlab.kafka.probe import probe
from netlab.kafka.wire import KafkaWire, WireError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def loopback_broker(tmp_path_factory):
    port = free_port()
    b = start_broker(
        {
            "node.id": "7",
            "listeners": f"PLAINTEXT://127.0.0.1:{port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        },
        tmp_path_factory.mktemp("wire"),
    )
    assert b.proc.poll() is None, b.output()
    yield port
    assert b.stop() == 0


def wire(port: int) -> KafkaWire:
    return KafkaWire(socket.create_connection(("127.0.0.1", port), timeout=5), 5)


@pytest.mark.parametrize("first,answered", [(3, 3), (4, 3), (9, 3), (2, 2), (0, 0)])
def test_api_versions_negotiates_down(loopback_broker, first, answered):
    w = wire(loopback_broker)
    try:
        ans = w.api_versions(first)
    finally:
        w.close()
    assert ans.version == answered
    assert ans.ranges[18] == (0, 3) and ans.ranges[3][0] <= 1 and ans.ranges[3][1] >= 9


@pytest.mark.parametrize("max_version", [1, 5, 8, 9])
def test_metadata_at_each_version(loopback_broker, max_version):
    w = wire(loopback_broker)
    try:
        version, md = w.metadata(w.api_versions().ranges, max_version)
    finally:
        w.close()
    assert version == max_version
    assert [(b["node_id"], b["host"], b["port"]) for b in md["brokers"]] == [
        (7, "127.0.0.1", loopback_broker)
    ]
    assert md["controller_id"] == 7 and md["topics"] == []


def test_metadata_needs_the_broker_to_offer_it(loopback_broker):
    w = wire(loopback_broker)
    try:
        with pytest.raises(WireError, match="does not offer Metadata"):
            w.metadata({18: (0, 3)})
        with pytest.raises(WireError, match="needs one of v1-v9"):
            w.metadata({3: (10, 12)})
    finally:
        w.close()


def test_probe_in_process_end_to_end(loopback_broker):
    res = probe(f"127.0.0.1:{loopback_broker}", 5)
    assert res.ok and res.controller_id == 7 and res.metadata_version == 9
    assert [b.endpoint for b in res.brokers] == [f"127.0.0.1:{loopback_broker}"]
    assert all(s.elapsed_ms >= 0 for s in res.stages) and len(res.stages) == 7
    assert res.to_dict()["failed_stage"] is None
    link = probe(f"127.0.0.1:{loopback_broker}", 5, link=True)
    assert link.ok and [s.name for s in link.stages] == ["resolve", "connect", "api_versions"]
