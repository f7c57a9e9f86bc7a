"""The Kafka verbs on a running default lab, through the real CLI: up (broker started), check
(exit 0, JSON rows), config set (breaks it: the broker does not start, Kafka's message; check
exits 1 and names the rows), config set back (check exit 0 again), logs, restart, down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from shipped import ROOT, fresh_lab_name, load

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

GOOD = "INTERNAL://0.0.0.0:29092,EXTERNAL_SAME_HOST://0.0.0.0:9092"
SAME_PORT = "INTERNAL://0.0.0.0:29092,EXTERNAL_SAME_HOST://0.0.0.0:29092"


def netlab(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "netlab", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture
def default_lab(tmp_path):
    lab = fresh_lab_name()
    text, _ = load(ROOT / "topologies" / "default.yaml", lab)
    path = tmp_path / "default.yaml"
    path.write_text(text)
    up = netlab("up", str(path), "--json")
    try:
        assert up.returncode == 0, up.stderr
        yield lab, json.loads(up.stdout)
    finally:
        down = netlab("down", lab)
        assert down.returncode == 0, down.stderr


def test_config_breaks_and_fixes_the_broker(default_lab):
    lab, up = default_lab
    assert [(b["node"], b["state"]) for b in up["brokers"]] == [("broker", "started")]

    ok = netlab("check", lab, "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    rows = json.loads(ok.stdout)
    assert {r["kind"] for r in rows} == {"start", "client"} and all(r["expect"] is not None for r in rows)

    shown = json.loads(netlab("config", lab, "broker", "--json").stdout)
    assert shown["properties"]["listeners"] == GOOD and shown["file"].endswith(
        "/brokers/broker/server.properties"
    )

    broken = netlab("config", lab, "broker", "set", f"KAFKA_LISTENERS={SAME_PORT}")
    assert broken.returncode == 0, broken.stderr  # a broker that does not start is a result
    assert "did not start" in broken.stdout and "If you have two listeners on the same port" in broken.stdout

    status = json.loads(netlab("status", lab, "--json").stdout)
    (b,) = status["brokers"]
    assert b["state"] == "exited" and "two listeners on the same port" in b["error"]

    bad = netlab("check", lab)
    assert bad.returncode == 1
    assert (
        "row 1, broker -> (config refused): expected ok, but it fails with broker_not_started" in bad.stdout
    )
    assert "prediction (netlab predict) and live result agree on every row" in bad.stdout
    # the broker is its container's main process: the container stopped, and as Docker does,
    # netlab withdrew its name (client-1 no longer resolves it) and its published port
    words = " ".join(bad.stdout.split())
    assert "container broker exited: Kafka refused to start:" in words, bad.stdout
    assert "Docker withdrew its published port 9092 on host" in words, bad.stdout
    hosts = (Path("/etc/netns") / f"netlab-{lab}-client-1" / "hosts").read_text()
    assert "broker" not in hosts and "client-2" in hosts, hosts
    rows = {(r["from"], r["to"]): r for r in json.loads(netlab("check", lab, "--json").stdout)}
    assert rows[("client-1", "broker:29092")]["cause"] == "bootstrap_unresolved"
    assert rows[("host", "localhost:9092")]["cause"] == "bootstrap_refused"

    fixed = netlab("config", lab, "broker", "set", f"listeners={GOOD}")
    assert "restarted" in fixed.stdout, fixed.stdout
    assert netlab("check", lab).returncode == 0  # the container runs again: name and port are back
    assert "broker" in (Path("/etc/netns") / f"netlab-{lab}-client-1" / "hosts").read_text()

    logs = json.loads(netlab("logs", lab, "broker", "--json").stdout)
    text = "\n".join(logs["lines"])
    before, _, last_run = text.rpartition("----- netlab restart -----")
    assert "Exiting Kafka due to fatal exception" in before  # the broken run, kept in the log
    assert "started (kafka.server.KafkaServer)" in last_run and "Exiting Kafka" not in last_run

    restarted = json.loads(netlab("restart", lab, "broker", "--json").stdout)
    assert restarted["broker"]["state"] == "started"


def test_verbs_refuse_bad_input(default_lab):
    lab, _ = default_lab
    assert netlab("config", lab, "client-1").returncode == 2  # runs no broker
    assert netlab("config", lab, "broker", "set", "nokey").returncode == 2
    assert netlab("logs", lab, "nobody").returncode == 2
    r = netlab("logs", lab, "host")  # one process there: the port proxy
    assert r.returncode == 0 and "netlab-relay ready" in r.stdout
    last = json.loads(netlab("logs", lab, "host", "--tail", "1", "--json").stdout)
    assert last["lines"] == r.stdout.splitlines()[-1:]  # the last line only, read from the end
