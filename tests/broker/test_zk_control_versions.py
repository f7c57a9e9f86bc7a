"""ZooKeeper mode at Kafka 3.7's inter-broker versions: the controller sends LeaderAndIsr v7 and
UpdateMetadata v8 (with isKRaftController false and Type UNKNOWN, as Kafka's ZooKeeper controller
does), captured on the wire and read by tshark and by our own decoder; the broker applies Kafka's
checks to them (a stale broker epoch, a KRaft controller's request on a broker that is not
migrating).

Wireshark 4.0 (Debian 12) dissects LeaderAndIsr bodies up to v4 and UpdateMetadata up to v6; for
the newer versions it reads the frame and header (API key, version, correlation id) and flags
the body "Unsupported API version", so tshark is checked on headers and pairing here, and the
bodies with our decoder (broker/protocol/messages/, which netlab's capture builds from)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time

import pytest
from test_zk_cluster import (  # noqa: F401 (zk: the fixture)
    ZkCluster,
    create_topic,
    kcat_metadata,
    wait_until,
    zk,
    zk_get,
)

from broker.protocol.client import KafkaClient, open_connection
from broker.protocol.errors import ErrorCode
from broker.protocol.messages import leader_and_isr, update_metadata
from broker.protocol.types import Reader
from netlab.capture.pcapio import read_packets
from netlab.capture.stream import StreamDecoder

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]


def _tshark_rows(pcap, port: int) -> list[list[str]]:
    argv = ["tshark", "-r", str(pcap), "-d", f"tcp.port=={port},kafka", "-Y", "kafka", "-T", "fields"]
    argv += ["-E", "separator=|", "-e", "kafka.request_key", "-e", "kafka.api_version"]
    argv += ["-e", "kafka.correlation_id", "-e", "kafka.response_key", "-e", "_ws.expert.message"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True).stdout
    return [line.split("|") for line in out.splitlines() if line]


def _our_messages(pcap, port: int) -> list:
    linktype, packets = read_packets(pcap)
    dec = StreamDecoder({port}, detect=False)
    out = []
    for ts, data, wirelen in packets:
        out += dec.feed(ts, linktype, data, wirelen)
    return out + dec.finish()


def test_controller_sends_leader_and_isr_v7_and_update_metadata_v8(tmp_path, zk):  # noqa: F811
    if shutil.which("tshark") is None:
        pytest.fail("tshark is not installed (scripts/install.sh installs it)")
    c = ZkCluster(tmp_path, zk, ids=(1,))
    internal = c.ports[1][0]
    pcap = tmp_path / "zkctl.pcap"
    cap = subprocess.Popen(
        ["tshark", "-i", "lo", "-f", f"tcp port {internal}", "-w", str(pcap)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while (not pcap.exists() or pcap.stat().st_size == 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        c.start(1)
        # the controller's first UpdateMetadata reached the broker (slow on a loaded machine)
        wait_until(lambda: kcat_metadata(c.bootstrap())["brokers"], 60, "metadata from the controller")
        create_topic(c.bootstrap(), "zkv7", 1, 1)
        wait_until(
            lambda: any(t["topic"] == "zkv7" for t in kcat_metadata(c.bootstrap())["topics"]), 20, "zkv7"
        )
        time.sleep(1.0)
    finally:
        cap.send_signal(signal.SIGINT)
        cap.wait(10)
        c.stop_all()

    rows = _tshark_rows(pcap, internal)
    requests = [r for r in rows if r[0] in ("4", "6")]
    assert {(r[0], r[1]) for r in requests} == {("4", "7"), ("6", "8")}, rows
    # the limit of Wireshark 4.0's dissector, loudly: it reads the frame and header, names the
    # versions it cannot read, and so cannot pair their responses ("Request missing"), which it
    # still frames with their correlation ids
    for r in requests:
        supports = "v0-4" if r[0] == "4" else "v0-6"
        assert f"version. Supports {supports}." in r[4], r
    answers = {r[2] for r in rows if r[0] == "" and "Request missing" in r[4]}
    assert {r[2] for r in requests} <= answers, rows

    msgs = _our_messages(pcap, internal)
    lais = [m for m in msgs if m.kind == "request" and m.api_key == 4]
    ums = [m for m in msgs if m.kind == "request" and m.api_key == 6]
    assert lais and ums
    epochs = set()
    for m in lais:
        body = leader_and_isr.REQUEST.decode(Reader(m.body), m.api_version)
        assert (body["controller_id"], body["is_kraft_controller"], body["type"]) == (1, False, 0)
        epochs.add(body["broker_epoch"])
    names = set()
    for m in ums:
        body = update_metadata.REQUEST.decode(Reader(m.body), m.api_version)
        assert (body["is_kraft_controller"], body["type"]) == (False, update_metadata.TYPE_UNKNOWN)
        names |= {t["topic_name"] for t in body["topic_states"] if t["topic_id"].int}
        epochs.add(body["broker_epoch"])
    assert "zkv7" in names  # topic ids travel in UpdateMetadata v7+
    assert len(epochs) == 1 and epochs.pop() > 0  # the broker's czxid, not UNKNOWN (-1)
    responses = [m for m in msgs if m.kind == "response" and m.api_key in (4, 6)]
    for m in responses:
        msg = leader_and_isr if m.api_key == 4 else update_metadata
        assert msg.RESPONSE.decode(Reader(m.body), m.api_version)["error_code"] == 0


def _lai(broker_epoch: int, kraft: bool, controller_epoch: int) -> dict:
    return {
        "controller_id": 1,
        "is_kraft_controller": kraft,
        "controller_epoch": controller_epoch,
        "broker_epoch": broker_epoch,
        "type": leader_and_isr.TYPE_UNKNOWN,
        "topic_states": [],
        "live_leaders": [],
    }


def test_broker_checks_epoch_and_kraft_controller(tmp_path, zk):  # noqa: F811
    c = ZkCluster(tmp_path, zk, ids=(1,))
    try:
        c.start(1)
        wait_until(lambda: kcat_metadata(c.bootstrap())["brokers"], 60, "metadata from the controller")
        czxid = int(zk.cli("stat", "/brokers/ids/1").split("cZxid = ")[1].split()[0], 16)
        with KafkaClient(open_connection("127.0.0.1", c.ports[1][0], 10), 10) as kc:

            def call(msg, version, body):
                return kc.call(msg.KEY, version, msg.REQUEST, msg.RESPONSE, body)["error_code"]

            # an epoch older than the registration: Kafka's quick-restart guard
            assert call(leader_and_isr, 7, _lai(czxid - 1, False, 99)) == ErrorCode.STALE_BROKER_EPOCH
            um = dict(_lai(czxid - 1, False, 99), type=update_metadata.TYPE_FULL, live_brokers=[])
            assert call(update_metadata, 8, um) == ErrorCode.STALE_BROKER_EPOCH
            # a KRaft controller's request on a broker that is not migrating (KIP-866)
            assert call(leader_and_isr, 7, _lai(czxid, True, 99)) == ErrorCode.UNKNOWN_SERVER_ERROR
            # the broker's own epoch passes; an older controller epoch then is stale
            assert call(leader_and_isr, 7, _lai(czxid, False, 0)) == ErrorCode.STALE_CONTROLLER_EPOCH
    finally:
        c.stop_all()
    assert "smaller than the current broker epoch" in c.procs[1].output()


def test_create_partitions_in_zookeeper_mode_off_the_loop(tmp_path, zk):  # noqa: F811
    """CreatePartitions on a ZooKeeper-mode broker (Kafka's AdminZkClient.addPartitions: the new
    replicas go into /brokers/topics/<t>; the controller's data watch elects their leaders), at
    most 10,000 per request; the broker makes the logs LeaderAndIsr brings in a worker thread,
    so other clients are served meanwhile."""
    import json
    import threading

    from confluent_kafka.admin import AdminClient, NewPartitions
    from test_create_topics_bounds import _api_versions_latency_at, _raw_create_partitions

    c = ZkCluster(tmp_path, zk, ids=(1,))
    try:
        bp = c.start(1)
        wait_until(lambda: kcat_metadata(c.bootstrap())["brokers"], 60, "metadata from the controller")
        create_topic(c.bootstrap(), "zkgrow", 1, 1)
        admin = AdminClient({"bootstrap.servers": c.bootstrap()})
        admin.create_partitions([NewPartitions("zkgrow", 3)], operation_timeout=30, request_timeout=60)[
            "zkgrow"
        ].result(30)
        # the znode is written when the request is answered; the controller's LeaderAndIsr and
        # UpdateMetadata follow (Kafka's AdminZkClient.addPartitions + the partition modification watch)
        wait_until(
            lambda: len(kcat_metadata(c.bootstrap(), "zkgrow")["topics"][0]["partitions"]) == 3,
            60,
            "three partitions in the metadata",
        )
        parts = kcat_metadata(c.bootstrap(), "zkgrow")["topics"][0]["partitions"]
        assert sorted(p["partition"] for p in parts) == [0, 1, 2] and all(p["leader"] == 1 for p in parts)
        assert sorted(json.loads(zk_get(zk, "/brokers/topics/zkgrow") or "null")["partitions"]) == [
            "0",
            "1",
            "2",
        ]
        bp.port = c.ports[1][1]  # the raw client below talks to the external listener
        res = _raw_create_partitions(bp, {"zkgrow": 2147483647})
        assert res["zkgrow"] == (44, "Unable to perform excessively large batch operation.")

        stop = threading.Event()
        latencies: list[float] = []
        probe = threading.Thread(
            target=_api_versions_latency_at, args=("127.0.0.1", c.ports[1][1], stop, latencies), daemon=True
        )
        probe.start()
        # the controller writes the new partitions' state znodes as one pipelined batch (Kafka's
        # createTopicPartitionStatesRaw), so 1,500 take seconds (scripts/bench/zk_controller.py)
        admin.create_partitions([NewPartitions("zkgrow", 1500)], operation_timeout=120, request_timeout=180)[
            "zkgrow"
        ].result(120)
        wait_until(lambda: len(list((tmp_path / "logs-1").glob("zkgrow-*"))) == 1500, 120, "1500 logs")
        stop.set()
        probe.join(30)
        print(f"\nZooKeeper mode, 1497 new partitions: slowest other request {max(latencies) * 1000:.0f} ms")
        assert len(latencies) > 10
    finally:
        c.stop_all()
