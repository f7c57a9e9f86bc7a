"""ZooKeeper mode with a real ZooKeeper (started by the test) and three real `python -m broker`
processes on 127.0.0.1-127.0.0.3 with zookeeper.connect: registration with Kafka's JSON (read back
with zkCli.sh), the cluster as kcat sees it, RF=3 acks=all, controller failover on SIGKILL,
ZooKeeper restarted under a running cluster, an unreachable ZooKeeper, auto broker ids."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import time

import pytest
import support
from brokerproc import BrokerProc, free_port, run_broker_to_exit, start_broker
from pydantic import ValidationError
from zkproc import ZK_SERVER, ZooKeeper

from netlab.topology.models import Node
from netlab.zookeeper import zoo_cfg

pytestmark = [pytest.mark.clients, pytest.mark.slow]

PROTO_MAP = "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT"
FAST = [
    "zookeeper.session.timeout.ms=2000",
    "replica.lag.time.max.ms=3000",
    "replica.fetch.wait.max.ms=200",
    "replica.fetch.backoff.ms=200",
    "offsets.topic.num.partitions=3",
    "offsets.topic.replication.factor=3",
    "group.initial.rebalance.delay.ms=0",
]


class ZkCluster:
    def __init__(self, tmp, zk: ZooKeeper, ids=(1, 2, 3), extra: tuple[str, ...] = ()):
        self.tmp, self.zk, self.extra = tmp, zk, list(extra)  # extra overrides: after FAST, so they win
        self.ports = {i: (free_port(), free_port()) for i in ids}
        self.procs: dict[int, BrokerProc] = {}

    def overrides(self, i: int, broker_id: int | None) -> list[str]:
        internal, external = self.ports[i]
        host = f"127.0.0.{i}"
        out = [] if broker_id is None else [f"broker.id={broker_id}"]
        return out + [
            f"zookeeper.connect={self.zk.connect}",
            f"listeners=INTERNAL://{host}:{internal},EXTERNAL://{host}:{external}",
            f"listener.security.protocol.map={PROTO_MAP}",
            "inter.broker.listener.name=INTERNAL",
            *FAST,
            *self.extra,
        ]

    def start(self, i: int, broker_id: int | None = -2):
        bp = start_broker(
            self.tmp,
            self.overrides(i, i if broker_id == -2 else broker_id),
            port=self.ports[i][0],
            log_dir=self.tmp / f"logs-{i}",
            wait_for="] started (kafka.server.KafkaServer)",
            timeout=30,
        )
        assert bp.proc.poll() is None, bp.output()
        self.procs[i] = bp
        return bp

    def bootstrap(self, *ids) -> str:
        return ",".join(f"127.0.0.{i}:{self.ports[i][1]}" for i in (ids or self.procs))

    def kill(self, i: int) -> None:
        self.procs[i].proc.send_signal(signal.SIGKILL)
        self.procs[i].proc.wait(10)

    def stop_all(self) -> None:
        for bp in self.procs.values():
            if bp.proc.poll() is None:
                bp.stop()


@pytest.fixture
def zk(tmp_path):
    # what the cluster tests run, or a loud NOT RUN (never a quiet skip, never a pass)
    if shutil.which("kcat") is None:
        support.not_runnable_here("kcat is not installed (scripts/install.sh installs it)")
    if not ZK_SERVER.exists():
        support.not_runnable_here(f"ZooKeeper is not installed ({ZK_SERVER} missing; scripts/install.sh)")
    z = ZooKeeper(tmp_path)
    z.start()
    yield z
    z.stop()


@pytest.fixture
def cluster(tmp_path, zk):
    c = ZkCluster(tmp_path, zk)
    try:
        for i in (1, 2, 3):
            c.start(i)
        # Kafka's ZK-mode CreateTopics places replicas on the brokers in the receiving broker's
        # metadata cache (ZkAdminManager: metadataCache.getAliveBrokers), which the controller's
        # UpdateMetadata fills a moment after "started": wait until every broker sees all three
        for i in (1, 2, 3):
            wait_until(
                lambda i=i: sorted(b["id"] for b in kcat_metadata(c.bootstrap(i))["brokers"]) == [1, 2, 3],
                20,
                f"broker {i} seeing all three brokers",
            )
        yield c
    finally:
        c.stop_all()


def kcat_metadata(bootstrap: str, topic: str | None = None) -> dict:
    cmd = ["kcat", "-b", bootstrap, "-L", "-J", "-m", "5"] + (["-t", topic] if topic else [])
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def wait_until(fn, timeout: float, what: str):
    """support.poll, failing the test with the last answer when `fn` never held."""
    last = support.poll(fn, timeout, 0.2)
    if not last:
        raise AssertionError(f"{what} not reached in {timeout} s (last: {last!r})")
    return last


def zk_get(zk: ZooKeeper, path: str) -> str | None:
    """The data line of `zkCli.sh get` (None when the node does not exist)."""
    out = zk.cli("get", path)
    for line in out.splitlines():
        if line.startswith("{") or line.strip().lstrip("-").isdigit():
            return line.strip()
    return None


def create_topic(bootstrap: str, name: str, partitions: int, rf: int) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the result is in
    fut = admin.create_topics([NewTopic(name, partitions, rf)])
    fut[name].result(20)


def produce(bootstrap: str, topic: str, values: list[bytes], acks="all") -> list[bytes]:
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "acks": acks, "enable.idempotence": True})
    acked: list[bytes] = []
    for v in values:
        p.produce(
            topic, v, on_delivery=lambda err, msg: acked.append(msg.value() or b"") if err is None else None
        )
    assert p.flush(30) == 0
    return acked


def consume_all(bootstrap: str, topic: str, expect: int, timeout: float = 30) -> list[bytes]:
    from confluent_kafka import Consumer

    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"g{time.monotonic_ns()}",
            "auto.offset.reset": "earliest",
        }
    )
    c.subscribe([topic])
    got: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while len(got) < expect and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append(m.value() or b"")
        idle = time.monotonic() + 2  # nothing more than what was acknowledged?
        while time.monotonic() < idle:
            m = c.poll(0.3)
            if m is not None and not m.error():
                got.append(m.value() or b"")
    finally:
        c.close()
    return got


def test_three_brokers_register_lead_and_fail_over(cluster, zk):
    md = kcat_metadata(cluster.bootstrap(1))
    assert sorted(b["id"] for b in md["brokers"]) == [1, 2, 3]

    # zkCli.sh shows Kafka's BrokerIdZNode JSON (version 5) with the advertised endpoints
    data = json.loads(zk_get(zk, "/brokers/ids/1"))
    internal, external = cluster.ports[1]
    assert data["version"] == 5
    assert data["endpoints"] == [f"INTERNAL://127.0.0.1:{internal}", f"EXTERNAL://127.0.0.1:{external}"]
    assert data["listener_security_protocol_map"] == {"INTERNAL": "PLAINTEXT", "EXTERNAL": "PLAINTEXT"}
    assert (data["host"], data["port"], data["jmx_port"]) == ("127.0.0.1", internal, -1)
    assert data["timestamp"].isdigit() and data["features"] == {}
    controller = json.loads(zk_get(zk, "/controller"))
    assert controller["version"] == 2 and controller["kraftControllerEpoch"] == -1
    first = controller["brokerid"]
    assert first in (1, 2, 3)
    assert int(zk_get(zk, "/controller_epoch")) >= 1
    cluster_id = json.loads(zk_get(zk, "/cluster/id"))["id"]
    assert f"cluster.id={cluster_id}" in (cluster.tmp / "logs-1" / "meta.properties").read_text()

    # RF=3, acks=all
    create_topic(cluster.bootstrap(), "zk3", 2, 3)
    state = json.loads(zk_get(zk, "/brokers/topics/zk3/partitions/0/state"))
    assert sorted(state["isr"]) == [1, 2, 3] and state["leader"] in (1, 2, 3)
    values = [f"v{i}".encode() for i in range(200)]
    assert sorted(produce(cluster.bootstrap(), "zk3", values)) == sorted(values)
    assert sorted(consume_all(cluster.bootstrap(), "zk3", 200)) == sorted(values)

    # SIGKILL the controller: /controller moves (after its session expires), leadership moves too
    led = [
        p["partition"]
        for p in kcat_metadata(cluster.bootstrap(), "zk3")["topics"][0]["partitions"]
        if p["leader"] == first
    ]
    cluster.kill(first)
    alive = [i for i in (1, 2, 3) if i != first]
    moved = wait_until(
        lambda: (c := zk_get(zk, "/controller")) and json.loads(c)["brokerid"] != first and json.loads(c),
        20,
        "a new controller",
    )
    assert moved["brokerid"] in alive
    # logged after /controller is written and /controller_epoch bumped: waited for, not read once
    elected = f"{moved['brokerid']} successfully elected as the controller"
    wait_until(lambda: elected in cluster.procs[moved["brokerid"]].output(), 20, "the election line")

    def leaders_moved():
        parts = kcat_metadata(cluster.bootstrap(*alive), "zk3")["topics"][0]["partitions"]
        return all(p["leader"] in alive for p in parts) and parts

    parts = wait_until(leaders_moved, 20, "leaders on live brokers")
    for p in parts:
        if p["partition"] in led:
            st = json.loads(zk_get(zk, f"/brokers/topics/zk3/partitions/{p['partition']}/state"))
            assert st["leader_epoch"] >= 1 and first not in st["isr"]
    more = [f"w{i}".encode() for i in range(50)]
    assert sorted(produce(cluster.bootstrap(*alive), "zk3", more)) == sorted(more)

    # DeleteTopics: marked under /admin/delete_topics, deleted by the controller, gone everywhere
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": cluster.bootstrap(*alive)})
    admin.delete_topics(["zk3"], operation_timeout=10)["zk3"].result(20)
    assert zk_get(zk, "/brokers/topics/zk3") is None
    wait_until(
        lambda: all(t["topic"] != "zk3" for t in kcat_metadata(cluster.bootstrap(*alive))["topics"]),
        10,
        "zk3 gone from Metadata",
    )


def test_zookeeper_restarted_under_a_running_cluster(cluster, zk):
    create_topic(cluster.bootstrap(), "zkr", 2, 3)
    acked: list[bytes] = []
    failed: list[str] = []
    stop = threading.Event()

    def producer():
        from confluent_kafka import Producer

        p = Producer(
            {
                "bootstrap.servers": cluster.bootstrap(),
                "acks": "all",
                "enable.idempotence": True,
                "linger.ms": 5,
            }
        )
        i = 0
        while not stop.is_set():
            p.produce(
                "zkr",
                f"r{i}".encode(),
                on_delivery=lambda err, msg: (
                    acked.append(msg.value()) if err is None else failed.append(str(err))
                ),
            )
            p.poll(0)
            i += 1
            time.sleep(0.002)
        p.flush(30)

    t = threading.Thread(target=producer)
    t.start()
    try:
        time.sleep(1.5)
        zk.stop()
        before = len(acked)
        # brokers keep serving without ZooKeeper: acknowledgements go on (polled, not slept)
        support.poll(lambda: len(acked) - before >= 20, 15)
        during = len(acked) - before
        zk.start()
        time.sleep(3)
    finally:
        stop.set()
        t.join(60)
    assert during > 0, "brokers stopped serving while ZooKeeper was down"
    # still registered (the sessions survived), or registered again (a session that expired
    # meanwhile makes the broker register anew, as Kafka does)
    wait_until(lambda: all(zk_get(zk, f"/brokers/ids/{i}") for i in (1, 2, 3)), 20, "all registered")
    got = consume_all(cluster.bootstrap(), "zkr", len(acked))
    print(f"ZKRESTART acked={len(acked)} failed={len(failed)} acked_while_down={during} consumed={len(got)}")
    assert set(acked) <= set(got), f"lost: {sorted(set(acked) - set(got))[:10]}"
    assert len(got) == len(set(got)), "duplicates"
    if not failed:  # every record was acknowledged: exactly those were consumed
        assert sorted(got) == sorted(acked)


def test_unreachable_zookeeper_is_fatal(tmp_path):
    port = free_port()  # nothing listens there
    began = time.monotonic()
    rc, out = run_broker_to_exit(
        tmp_path,
        ["broker.id=1", f"zookeeper.connect=127.0.0.1:{port}", "zookeeper.connection.timeout.ms=1500"],
    )
    assert rc == 1, out
    assert "Fatal error during KafkaServer startup. Prepare to shutdown (kafka.server.KafkaServer)" in out
    assert (
        "kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection while in state: "
        "CONNECTING" in out
    )
    assert time.monotonic() - began < 15


def test_unset_broker_id_gets_1001_and_keeps_it(tmp_path, zk):
    c = ZkCluster(tmp_path, zk, ids=(1, 2))
    try:
        a = c.start(1, broker_id=-1)
        b = c.start(2, broker_id=-1)
        assert "Registered broker 1001 at path /brokers/ids/1001" in a.output()
        assert "Registered broker 1002 at path /brokers/ids/1002" in b.output()
        # broker 1 lists 1002 once the controller's UpdateMetadata reached it (a moment after
        # "started"; on loaded cores it can take seconds)
        wait_until(
            lambda: sorted(x["id"] for x in kcat_metadata(c.bootstrap(1))["brokers"]) == [1001, 1002],
            20,
            "broker 1 listing 1001 and 1002",
        )
        meta = (tmp_path / "logs-1" / "meta.properties").read_text()
        assert "broker.id=1001" in meta and "version=0" in meta
        a.stop()
        a = c.start(1, broker_id=-1)  # restarted: the id comes back from meta.properties
        assert "Registered broker 1001 at path /brokers/ids/1001" in a.output()
    finally:
        c.stop_all()


def test_a_zoo_cfg_setting_cannot_add_lines():
    """Pure: a `settings` value is one zoo.cfg line, so it cannot smuggle in dataDir (netlab's own)
    or anything else (placed here with the ZooKeeper tests of issue 14; it needs no ZooKeeper)."""
    with pytest.raises(ValidationError, match="one line"):
        Node.model_validate({"zookeeper": {"settings": {"maxClientCnxns": "60\ndataDir=/etc"}}})
    one = Node.model_validate({"zookeeper": {"settings": {"maxClientCnxns": 60}}}).zookeeper
    cfg = zoo_cfg(one, ZK_SERVER.parent / "data").splitlines()
    assert "maxClientCnxns=60" in cfg and sum(line.startswith("dataDir=") for line in cfg) == 1
