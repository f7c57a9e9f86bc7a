#!/usr/bin/env python3
"""The ZooKeeper-mode controller with many partitions, two source trees side by side:

    .venv/bin/python scripts/bench/zk_controller.py --before /tmp/zkpmain [--after .] [--runs 3]
        [--partitions 1500] [--json]

Each run, for each tree in turn (interleaved, so load on the machine hits both alike): a real
ZooKeeper (tests/broker/zkproc.py) and three `python -m broker` processes of that tree with
zookeeper.connect (ids 1-3 on 127.0.0.1-127.0.0.3, as tests/broker/test_zk_cluster.py runs them);
then
- create: CreateTopics (confluent-kafka's AdminClient) of one topic with --partitions
  partitions, RF=3, until every broker's Metadata (asked of each broker directly) lists every
  partition with a leader;
- failover: the controller (its /controller znode) stopped cleanly (SIGTERM: it closes its
  ZooKeeper session, so /controller and its /brokers/ids znode go at once, no session timeout
  to wait for), until both other brokers' Metadata lists every partition with a leader among
  them: the new controller reads the cluster and moves every partition (each one's ISR loses
  the stopped broker, a third of them their leader).
- create_zk_s, failover_zk_s: the controller's own part of both, from ZooKeeper's own clock: from
  the topic znode's creation to the last partition state znode's creation (ctime), and from the
  new /controller znode's creation to the last state znode's change (mtime). The rest of create_s
  and failover_s is the brokers' (each makes and starts 1,500 logs on LeaderAndIsr) and the
  clients';
- zk_requests: the requests ZooKeeper received from the controller's session during the create
  (the `lcxid` of its connection in ZooKeeper's own `cons` answer).
Medians over the runs and the ratios before/after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "broker"))
sys.path.insert(0, str(ROOT))

from brokerproc import free_port  # noqa: E402
from kazoo.client import KazooClient  # noqa: E402
from zkproc import ZooKeeper  # noqa: E402

from broker.protocol.client import KafkaClient, WireError, open_connection  # noqa: E402
from broker.protocol.messages import metadata  # noqa: E402

TOPIC = "zkpbench"
IDS = (1, 2, 3)
# Kafka's default zookeeper.session.timeout.ms (18 s): main's controller, whose whole reconcile is
# one ZooKeeper call bounded by session + connection timeout, stalls with the tests' 2 s at
# 1,500 partitions (a reconcile outlives the bound, the retry races it, and partitions whose
# state znode the retry finds already made are left out for good)
SETTINGS = [
    "replica.lag.time.max.ms=30000",
    "replica.fetch.wait.max.ms=500",
    "offsets.topic.num.partitions=3",
    "offsets.topic.replication.factor=3",
]
STEP_TIMEOUT_S = 600.0


class Cluster:
    """ZooKeeper and three brokers of one source tree, all in `tmp`."""

    def __init__(self, tree: Path, tmp: Path):
        self.tree, self.tmp = tree, tmp
        self.zk = ZooKeeper(tmp)
        self.ports = {i: (free_port(), free_port()) for i in IDS}
        self.procs: dict[int, subprocess.Popen] = {}

    def start(self) -> None:
        self.zk.start()
        for i in IDS:
            self._start_broker(i)
        for i in IDS:
            self._wait_log(i, "] started (kafka.server.KafkaServer)", 60)

    def _start_broker(self, i: int) -> None:
        internal, external = self.ports[i]
        host = f"127.0.0.{i}"
        overrides = [
            f"broker.id={i}",
            f"log.dirs={self.tmp / f'logs-{i}'}",
            f"zookeeper.connect={self.zk.connect}",
            f"listeners=INTERNAL://{host}:{internal},EXTERNAL://{host}:{external}",
            "listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
            "inter.broker.listener.name=INTERNAL",
            *SETTINGS,
        ]
        argv = [sys.executable, "-m", "broker", "--no-env"]
        for o in overrides:
            argv += ["--override", o]
        # the tree's own package: `-m` puts the working directory first on sys.path
        env = dict(os.environ, PYTHONPATH=str(self.tree))
        with open(self.tmp / f"broker-{i}.log", "w") as out:
            self.procs[i] = subprocess.Popen(
                argv, cwd=self.tree, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def _wait_log(self, i: int, text: str, timeout: float) -> None:
        log = self.tmp / f"broker-{i}.log"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in log.read_text(errors="replace"):
                return
            if self.procs[i].poll() is not None:
                raise RuntimeError(f"broker {i} exited:\n{log.read_text()[-3000:]}")
            time.sleep(0.05)
        raise RuntimeError(f"broker {i}: no {text!r} in {timeout} s")

    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.{i}:{self.ports[i][1]}" for i in self.procs if self.procs[i].poll() is None)

    def metadata(self, i: int, topic: str | None) -> dict:
        body = {
            "topics": None if topic is None else [{"name": topic}],
            "allow_auto_topic_creation": False,
        }
        with KafkaClient(open_connection(f"127.0.0.{i}", self.ports[i][1], 30), 30) as kc:
            return kc.call(metadata.KEY, 9, metadata.REQUEST, metadata.RESPONSE, body)

    def all_led(self, ids, partitions: int, leaders) -> bool:
        for i in ids:
            topics = [t for t in self.metadata(i, TOPIC)["topics"] if t["error_code"] == 0]
            if not topics:
                return False
            parts = topics[0]["partitions"]
            if len(parts) != partitions or any(p["leader_id"] not in leaders for p in parts):
                return False
        return True

    def controller_id(self) -> int:
        out = self.zk.cli("get", "/controller")
        for line in out.splitlines():
            if line.startswith("{"):
                return int(json.loads(line)["brokerid"])
        raise RuntimeError(f"no /controller: {out[-500:]}")

    def znode_times(self, partitions: int) -> tuple[float, float, float, float]:
        """ZooKeeper's own times (s): the topic znode's ctime, the /controller znode's ctime, and
        the newest ctime and mtime among the partition state znodes."""
        zk = KazooClient(hosts=self.zk.connect, timeout=10)
        zk.start(10)
        try:
            topic = zk.exists(f"/brokers/topics/{TOPIC}").ctime
            ctl = zk.exists("/controller").ctime
            stats = [zk.exists(f"/brokers/topics/{TOPIC}/partitions/{p}/state") for p in range(partitions)]
        finally:
            zk.stop()
            zk.close()
        return (
            topic / 1000,
            ctl / 1000,
            max(s.ctime for s in stats) / 1000,
            max(s.mtime for s in stats) / 1000,
        )

    def controller_requests(self) -> int:
        """Requests the controller's session sent, as ZooKeeper's `cons` counts them."""
        return self.zk.session_requests(self.zk.ephemeral_owner("/controller"))

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        self.zk.stop()


def wait(fn, what: str) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if fn():
                return
        except (OSError, WireError):
            pass  # a broker still starting, just stopped, or too busy to answer in time
        time.sleep(0.1)
    raise RuntimeError(f"{what} not reached in {STEP_TIMEOUT_S} s")


def run_once(tree: Path, partitions: int) -> dict:
    from confluent_kafka.admin import AdminClient, NewTopic

    tmp = Path(tempfile.mkdtemp(prefix="zkpbench"))
    c = Cluster(tree, tmp)
    try:
        c.start()
        wait(lambda: all(len(c.metadata(i, None)["brokers"]) == 3 for i in IDS), "three brokers")
        ctl = c.controller_id()
        before = c.controller_requests()
        admin = AdminClient({"bootstrap.servers": c.bootstrap(), "log_level": 0})
        t0 = time.perf_counter()
        fut = admin.create_topics(
            [NewTopic(TOPIC, partitions, 3)], operation_timeout=STEP_TIMEOUT_S, request_timeout=STEP_TIMEOUT_S
        )[TOPIC]
        wait(lambda: c.all_led(IDS, partitions, set(IDS)), "every partition led on every broker")
        create_s = time.perf_counter() - t0
        fut.result(60)
        requests = c.controller_requests() - before
        topic_ctime, _, states_ctime, _ = c.znode_times(partitions)
        alive = [i for i in IDS if i != ctl]
        t1 = time.perf_counter()
        c.procs[ctl].send_signal(signal.SIGTERM)
        wait(lambda: c.all_led(alive, partitions, set(alive)), "every partition led by a live broker")
        failover_s = time.perf_counter() - t1
        _, controller_ctime, _, states_mtime = c.znode_times(partitions)
        return {
            "create_s": create_s,
            "create_zk_s": states_ctime - topic_ctime,
            "failover_s": failover_s,
            "failover_zk_s": states_mtime - controller_ctime,
            "zk_requests": requests,
        }
    finally:
        c.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", type=Path, required=True, help="the tree to compare with (e.g. main's)")
    p.add_argument("--after", type=Path, default=ROOT)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--partitions", type=int, default=1500)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if not 1 <= args.runs <= 20:
        print("--runs: 1..20", file=sys.stderr)
        return 2
    if not 1 <= args.partitions <= 10000:
        print("--partitions: 1..10000", file=sys.stderr)
        return 2
    for tree in (args.before, args.after):
        if not (tree / "broker" / "zk" / "controller.py").is_file():
            print(f"{tree}: not a netlab tree (no broker/zk/controller.py)", file=sys.stderr)
            return 2
    rows: dict[str, list[dict]] = {"before": [], "after": []}
    for _ in range(args.runs):
        for side in ("before", "after"):
            r = run_once(getattr(args, side).resolve(), args.partitions)
            rows[side].append(r)
            print(side, json.dumps({k: round(v, 2) for k, v in r.items()}), file=sys.stderr, flush=True)
    res: dict = {"runs": args.runs, "partitions": args.partitions}
    keys = ("create_s", "create_zk_s", "failover_s", "failover_zk_s", "zk_requests")
    for key in keys:
        med = {side: statistics.median(r[key] for r in rows[side]) for side in rows}
        res[key] = {side: round(v, 2) for side, v in med.items()}
        res[key]["ratio_before_over_after"] = round(med["before"] / med["after"], 2) if med["after"] else None
    if args.json:
        print(json.dumps(res))
    else:
        for key in keys:
            r = res[key]
            print(
                f"{key:12} before {r['before']:>9}  after {r['after']:>9}  "
                f"ratio {r['ratio_before_over_after']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
