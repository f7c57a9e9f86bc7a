"""Real client↔broker traffic, captured by netlab in throwaway namespaces, decoded by us and by
tshark: same api keys, versions, correlation ids, broker lists and group member counts; and the
live `netlab capture --kafka` story of an advertised listener that refuses connections.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from nsfix import throwaway
from tshark_ref import tshark_pdus

from netlab.capture.capture import Capture
from netlab.capture.decode import iter_events, message_json
from netlab.capture.pcapio import PcapWriter

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = Path(__file__).parent / "clients"
A, B = "10.81.0.1", "10.81.0.2"


def start_broker(lab, ns, logdir: Path, *overrides: str) -> subprocess.Popen:
    log = logdir / "broker.log"
    argv = [
        sys.executable,
        "-m",
        "broker",
        "--no-env",
        "--override",
        "node.id=1",
        "--override",
        f"log.dirs={logdir}",
        "--override",
        "offsets.topic.replication.factor=1",
        "--override",
        "group.initial.rebalance.delay.ms=0",
        "--override",
        "num.partitions=2",
    ]
    for o in overrides:
        argv += ["--override", o]
    proc = lab.popen(ns, *argv, stdout=open(log, "w"), stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        if "started" in log.read_text():
            return proc
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"broker did not start:\n{log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def real_pcap(tmp_path_factory):
    """kcat -L/-P/-C, a kafka-python group rebalance, confluent-kafka produce + group consume and
    aiokafka produce + fetch, against our broker, captured on its veth."""
    if not (ROOT / "broker" / "__main__.py").exists():
        pytest.fail("the broker package is missing")
    out = tmp_path_factory.mktemp("real") / "clients.pcap"
    hosts = {"broker-1": B}
    with throwaway("real") as lab, tempfile.TemporaryDirectory() as logdir:
        a, b = lab.ns("a", hosts), lab.ns("b", hosts)
        lab.veth(a, "eth0", f"{A}/24", b, "eth0", f"{B}/24")
        broker = start_broker(
            lab,
            b,
            Path(logdir),
            "listeners=PLAINTEXT://:9092",
            "advertised.listeners=PLAINTEXT://broker-1:9092",
        )
        cap = Capture(b, "eth0")
        writer = PcapWriter(out, cap.linktype)
        t = threading.Thread(target=cap.run, args=(writer.write,))
        t.start()
        try:
            bs = "broker-1:9092"
            run = dict(capture_output=True, text=True, timeout=60)
            listing = lab.run(a, "kcat", "-b", bs, "-L", **run)
            produced = lab.run(a, "kcat", "-b", bs, "-P", "-t", "events", input="a\nb\nc\n", **run)
            consumed = lab.run(a, "kcat", "-b", bs, "-C", "-t", "events", "-e", "-o", "beginning", **run)
            group = lab.run(a, sys.executable, str(CLIENTS / "group_rebalance.py"), bs, "orders", **run)
            ck = lab.run(a, sys.executable, str(CLIENTS / "ck_produce.py"), bs, "ck-topic", **run)
            aio = lab.run(a, sys.executable, str(CLIENTS / "aio_produce.py"), bs, "aio-topic", **run)
        finally:
            cap.stop()
            t.join(15)
            writer.close()
            cap.close()
            stop(broker)
    assert "broker 1 at broker-1:9092" in listing.stdout, listing
    assert produced.returncode == 0 and sorted(consumed.stdout.split()) == ["a", "b", "c"], (
        produced,
        consumed,
    )
    assert group.stdout.startswith("assigned"), group
    assert ck.stdout.strip() == "consumed 5", ck
    assert aio.stdout.strip() == "consumed 3", aio
    return out


def test_real_traffic_headers_match_tshark(real_pcap):
    ours = list(iter_events(real_pcap))
    assert not [m.reason for m in ours if m.kind == "malformed"]
    theirs = tshark_pdus(real_pcap, {9092})
    ours_req = [(m.api_key, m.api_version, m.correlation_id, m.src) for m in ours if m.kind == "request"]
    assert [(p.api_key, p.api_version, p.correlation_id) for p in theirs if p.kind == "request"] == [
        r[:3] for r in ours_req
    ]
    keys = {r[0] for r in ours_req}
    assert {18, 3, 0, 1, 10, 11, 14, 12, 8, 9, 13} <= keys  # every api we decode was exercised
    clients = {m.client_id for m in ours if m.kind == "request"}
    assert {
        "rdkafka",
        "kp-producer",
        "member-1",
        "member-2",
        "ck-producer",
        "ck-consumer",
        "aio-producer",
        "aio-consumer",
    } <= clients
    assert (18, 0) in {(m.api_key, m.api_version) for m in ours if m.kind == "request"}  # aiokafka's probe
    ours_resp = {(m.api_key, m.api_version, m.correlation_id) for m in ours if m.kind == "response"}
    matched = [p for p in theirs if p.kind == "response" and p.api_version is not None]
    assert matched and all((p.api_key, p.api_version, p.correlation_id) in ours_resp for p in matched)


def test_real_metadata_brokers_match_tshark(real_pcap):
    ours = {
        m.correlation_id: m
        for m in iter_events(real_pcap)
        if m.kind == "response" and m.api_key == 3 and m.api_version <= 9
    }
    theirs = [p for p in tshark_pdus(real_pcap, {9092}) if p.brokers is not None and not p.unsupported]
    assert theirs, "no Metadata response that tshark 4.0 decodes (v0-9) was captured"
    for p in theirs:
        brokers = message_json(ours[p.correlation_id])["brokers"]
        assert [(b["node_id"], b["host"], b["port"]) for b in brokers] == p.brokers == [(1, "broker-1", 9092)]


def test_real_group_rebalance_member_counts_match_tshark(real_pcap):
    ours = [
        m
        for m in iter_events(real_pcap)
        if m.kind == "response" and m.api_key == 11 and m.decoded and m.decoded["error_code"] == 0
    ]
    counts = sorted(m.decoded["member_count"] for m in ours)
    assert 2 in counts and 0 in counts  # the leader saw both members after the rebalance, the follower none
    theirs = [p for p in tshark_pdus(real_pcap, {9092}) if p.members is not None and not p.unsupported]
    if not theirs:
        pytest.fail("tshark decoded no JoinGroup response")
    by_key = {(m.dst, m.correlation_id): m.decoded["member_count"] for m in ours}
    ours_by_corr = {}
    for (_dst, corr), n in by_key.items():
        ours_by_corr.setdefault(corr, set()).add(n)
    for p in theirs:
        if p.raw.get("kafka.error", "0") != "0":
            continue
        assert p.members in ours_by_corr[p.correlation_id]
    assert sorted(p.members for p in theirs if p.raw.get("kafka.error", "0") == "0") == counts


def test_live_story_of_an_advertised_listener_that_refuses(tmp_path):
    """Bootstrap on 9092 works; the broker advertises broker-1:29092 where nothing listens."""
    hosts = {"broker-1": B}
    with throwaway("story") as lab:
        a, b = lab.ns("a", hosts), lab.ns("b", hosts)
        lab.veth(a, "eth0", f"{A}/24", b, "eth0", f"{B}/24")
        broker = start_broker(
            lab, b, tmp_path, "listeners=PLAINTEXT://:9092", "advertised.listeners=PLAINTEXT://broker-1:29092"
        )
        story = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "netlab",
                "capture",
                "--netns",
                b,
                "eth0",
                "--kafka",
                "--port",
                "9092",
                "--port",
                "29092",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        try:
            assert story.stderr.readline().startswith("capturing on")
            lab.run(
                a,
                "kcat",
                "-b",
                f"{B}:9092",
                "-P",
                "-t",
                "t",
                "-X",
                "message.timeout.ms=5000",  # far enough to dial the advertised endpoint under load
                input="x\n",
                capture_output=True,
                text=True,
                timeout=30,
            )
        finally:
            story.send_signal(signal.SIGINT)
            out, err = story.communicate(timeout=20)
            stop(broker)
    lines = out.splitlines()
    assert story.returncode == 0, err
    assert any(
        line.startswith(f"{A} → {B}:9092  Metadata v")
        and line.endswith("request — t (rdkafka)")
        or line.startswith(f"{A} → {B}:9092  Metadata v")
        and "(rdkafka)" in line
        for line in lines
    ), lines
    assert any(
        line.startswith(f"{B}:9092 → {A}  Metadata response: broker 1 at broker-1:29092") for line in lines
    )
    assert f"{A} → {B}:29092  SYN … RST (connection refused)" in lines
