"""The seeds' five ZooKeeper-mode brokers, live (topologies 12 and 12b): a real ZooKeeper in a
node, five `python -m broker` in theirs, real clients in the host.

- 12, INTERNAL bound to 127.0.0.1 but advertised broker-N:29092: the elected controller logs
  Kafka's two lines for every broker, itself included, at the seed's addresses; no broker gets
  UpdateMetadata, so Metadata lists nobody and auto-creating a topic fails as Kafka's
  ZkAdminManager does (INVALID_REPLICATION_FACTOR: no live broker in the metadata cache);
- 12b, INTERNAL bound to the container name (the seed's fix), with broker-5's broker.id unset:
  it registers as 1001, kcat lists all five, RF=3 acks=all works."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest
from shipped import ROOT, fresh_lab_name, load

from netlab import lab as labapi
from netlab.kafka.lab_report import broker_logs, live_report, predicted_report
from netlab.lab.brokers import wait_started
from netlab.plan import compile_plan
from netlab.topology import loads_topology, netns_name

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

SEED_IPS = {1: "192.168.96.5", 2: "192.168.96.3", 3: "192.168.96.4", 4: "192.168.96.6", 5: "192.168.96.7"}


def _up(text: str, topology):
    plan = compile_plan(topology)
    labapi.apply(plan, topology_text=text)
    starts = wait_started(plan.lab, timeout=30)
    assert all(s.state == "started" for s in starts), starts


def _log(lab: str, node: str) -> str:
    return labapi.load_lab(lab).paths.process(node, "broker").logfile.read_text()


def _in(lab: str, node: str, *argv: str, timeout: float = 30, input: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ip", "netns", "exec", netns_name(lab, node), *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
    )


def _python_in(lab: str, node: str, code: str) -> str:
    out = _in(lab, node, sys.executable, "-c", code, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_seed_loopback_controller_reaches_nobody():
    lab = fresh_lab_name()
    text, topology = load(ROOT / "topologies" / "12-zookeeper-loopback.yaml", lab)
    try:
        _up(text, topology)
        nodes = [f"broker-{i}" for i in range(1, 6)]
        deadline = time.monotonic() + 20
        controller = None
        while controller is None and time.monotonic() < deadline:
            for n in nodes:
                m = re.search(r"(\d+) successfully elected as the controller", _log(lab, n))
                if m:
                    controller = int(m.group(1))
            time.sleep(0.2)
        assert controller in SEED_IPS, "no broker logged that it was elected"
        c = controller
        want = []
        for b, ip in SEED_IPS.items():
            want.append(
                f"WARN [Controller id={c}, targetBrokerId={b}] Connection to node {b} "
                f"(broker-{b}/{ip}:29092) could not be established. Broker may not be available. "
                "(org.apache.kafka.clients.NetworkClient)"
            )
            want.append(
                f"WARN [RequestSendThread controllerId={c}] Controller {c}'s connection to broker "
                f"broker-{b}:29092 (id: {b} rack: null) was unsuccessful (kafka.controller.RequestSendThread)"
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            log = _log(lab, f"broker-{c}")
            missing = [w for w in want if w not in log]
            if not missing:
                break
            time.sleep(0.3)
        assert missing == [], "\n".join(missing)
        assert f"java.io.IOException: Connection to broker-{c}:29092 (id: {c} rack: null) failed." in log

        # clients: Metadata lists no broker (so an admin client finds no controller to ask);
        # auto-creation fails as ZkAdminManager does with no live broker in the metadata cache
        probe = _in(
            lab,
            "host",
            sys.executable,
            "-m",
            "netlab.kafka.probe",
            "--bootstrap",
            "localhost:9094",
            "--json",
            "--timeout",
            "5",
        )
        md = next(st for st in json.loads(probe.stdout)["stages"] if st["name"] == "metadata")
        assert md["detail"]["brokers"] == [] and md["error"] == "Metadata listed no brokers for this listener"
        produce = _in(
            lab,
            "host",
            "kcat",
            "-P",
            "-b",
            "localhost:9091",
            "-t",
            "seed",
            "-m",
            "8",
            timeout=30,
            input="hello\n",
        )
        assert "Invalid replication factor" in produce.stderr, produce.stderr
    finally:
        labapi.destroy(lab)


def test_seed_fix_container_name_and_an_unset_broker_id():
    lab = fresh_lab_name()
    text, _ = load(ROOT / "topologies" / "12b-zookeeper-container-name.yaml", lab)
    text = text.replace("      KAFKA_BROKER_ID: 5\n", "")  # broker-5 without an id: ZooKeeper gives 1001
    topology = loads_topology(text, "12b-unset-id").topology
    try:
        _up(text, topology)
        assert "Registered broker 1001 at path /brokers/ids/1001" in _log(lab, "broker-5")
        deadline = time.monotonic() + 20
        ids = []
        while time.monotonic() < deadline:
            md = _in(lab, "host", "kcat", "-L", "-J", "-b", "localhost:9094", "-m", "5")
            if md.returncode == 0:
                ids = sorted(b["id"] for b in json.loads(md.stdout)["brokers"])
                if ids == [1, 2, 3, 4, 1001]:
                    break
            time.sleep(0.3)
        assert ids == [1, 2, 3, 4, 1001]
        out = _python_in(
            lab,
            "host",
            """
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka import Producer, Consumer
import time
a = AdminClient({"bootstrap.servers": "localhost:9094"})
a.create_topics([NewTopic("fixed", 3, 3)])["fixed"].result(20)
p = Producer({"bootstrap.servers": "localhost:9094", "acks": "all"})
acked = []
for i in range(30):
    p.produce("fixed", str(i).encode(), on_delivery=lambda e, m: acked.append(e is None))
p.flush(20)
c = Consumer({"bootstrap.servers": "localhost:9094", "group.id": "g", "auto.offset.reset": "earliest"})
c.subscribe(["fixed"]); n = 0; end = time.time() + 20
while n < 30 and time.time() < end:
    m = c.poll(0.5)
    if m is not None and not m.error(): n += 1
c.close()
print(sum(acked), n)
""",
        )
        assert out.split()[-2:] == ["30", "30"], out
    finally:
        labapi.destroy(lab)


NO_ZOOKEEPER = """
lab: {lab}
nodes:
  host: {{}}
  broker:
    networks: [net]
    broker:
      KAFKA_BROKER_ID: 1
      KAFKA_ZOOKEEPER_CONNECT: zookeeper:2181      # no such node: the name does not resolve here
      KAFKA_ZOOKEEPER_CONNECTION_TIMEOUT_MS: 2000
networks:
  net: {{subnet: 10.78.0.0/24}}
expect:
  brokers: {{broker: broker_not_started}}
"""


def test_unreachable_zookeeper_is_a_failed_start_predicted_and_live():
    lab = fresh_lab_name()
    text = NO_ZOOKEEPER.format(lab=lab)
    topology = loads_topology(text, "no-zookeeper.yaml").topology
    predicted = predicted_report(topology)
    assert predicted.mismatches() == []
    [row] = predicted.verdicts
    assert row.cause == "broker_not_started" and "Timed out waiting for connection" in row.reason
    labapi.apply(compile_plan(topology), topology_text=text)  # a failed apply removes what it made
    try:
        [start] = wait_started(lab, timeout=20)
        assert start.state == "failed" and start.error == (
            "kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection while in "
            "state: CONNECTING"
        )
        prefixes = {n: ["ip", "netns", "exec", netns_name(lab, n)] for n in topology.nodes}
        report = live_report(lab, topology, prefixes, broker_logs(lab, topology), timeout=4)
        assert report.mismatches() == [] and report.disagreements() == []
    finally:
        labapi.destroy(lab)
