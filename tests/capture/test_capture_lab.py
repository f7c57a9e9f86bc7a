"""`netlab capture` on a lab built by `netlab up` (the Docker-host model of topologies/default.yaml):
a node's story names clients by node, loopback included; a bridge capture sees the network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NETLAB = [sys.executable, "-m", "netlab"]


@pytest.fixture
def demo_lab(tmp_path):
    name = f"captest{os.getpid()}"
    topo = tmp_path / "lab.yaml"
    topo.write_text(
        (ROOT / "topologies" / "default.yaml").read_text().replace("lab: default", f"lab: {name}", 1)
    )
    up = subprocess.run([*NETLAB, "up", str(topo)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    if up.returncode != 0:
        subprocess.run([*NETLAB, "down", name], capture_output=True, timeout=120, cwd=ROOT)
        pytest.fail(f"netlab up failed: {up.stderr[-2000:]}")
    try:
        # The lab's own broker: its EXTERNAL_SAME_HOST listener on 10.5.0.3:9092 advertises
        # localhost:9092 — the classic mistake: clients in other containers dial their own loopback.
        from netlab.lab.brokers import wait_started

        started = wait_started(name)
        assert started and all(s.state == "started" for s in started), started
        yield name
    finally:
        subprocess.run([*NETLAB, "down", name], capture_output=True, timeout=120, cwd=ROOT)


def test_story_in_a_node_and_on_the_bridge(demo_lab, tmp_path):
    pcap = tmp_path / "bridge.pcap"
    node = subprocess.Popen(
        [*NETLAB, "capture", demo_lab, "client-1", "--kafka", "--port", "9092"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    bridge = subprocess.Popen(
        [*NETLAB, "capture", demo_lab, "--network", "kafka-net", "-w", str(pcap)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert node.stderr.readline().startswith(f"capturing on netlab-{demo_lab}-client-1:any")
        assert bridge.stderr.readline().startswith(f"capturing on netlab-{demo_lab}-host:br-kafka")
        subprocess.run(
            [
                *NETLAB,
                "exec",
                demo_lab,
                "client-1",
                "--",
                "kcat",
                "-b",
                "10.5.0.3:9092",
                "-P",
                "-t",
                "demo",
                "-X",
                "message.timeout.ms=5000",  # far enough to dial the advertised endpoint under load
            ],
            input="hello\n",
            capture_output=True,
            text=True,
            timeout=30,
            cwd=ROOT,
        )
    finally:
        for p in (node, bridge):
            p.send_signal(2)
        out, _ = node.communicate(timeout=20)
        bridge.communicate(timeout=20)
    lines = out.splitlines()
    assert "client-1 → 10.5.0.3:9092  connected" in lines
    assert any(
        line.startswith("10.5.0.3:9092 → client-1  Metadata response: broker 1 at localhost:9092")
        for line in lines
    ), lines
    assert "client-1 → 127.0.0.1:9092  SYN … RST (connection refused)" in lines
    assert not any("no connection attempt" in line for line in lines)
    decoded = subprocess.run(
        [*NETLAB, "decode", str(pcap), "--lab", demo_lab],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    ).stdout.splitlines()
    assert any(line.startswith("client-1 → 10.5.0.3:9092  Metadata v") for line in decoded), decoded
    assert decoded[-1] == (
        "client-1: no connection attempt to the advertised endpoint localhost:9092 (broker 1) "
        "followed here (a connection to client-1's own loopback is not visible from this capture)"
    )
