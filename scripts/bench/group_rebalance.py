#!/usr/bin/env python3
"""Consumer-group rebalance benchmark: 10 confluent-kafka consumers against a broker process.

For each run: start `--members` consumers of one group at once (cold start) and wait until every
partition is assigned and the group is Stable; then close one member (LeaveGroup) and wait until
the others own every partition again. The broker's own timestamps give, per rebalance, the time
from the first JoinGroup of the generation to the last SyncGroup answered ("total"), and the part
of it after the last member had joined ("after all joined": the coordinator's own cost; goal
< 100 ms). Client-side wall times are reported too; they are dominated by the clients'
heartbeat interval (how fast members learn that a rebalance started).

    scripts/bench/group_rebalance.py [--members 10] [--partitions 20] [--runs 3]
                                     [--heartbeat-ms 500] [--json]

group.initial.rebalance.delay.ms=0; `__consumer_offsets` is created before the first run (its
creation is a one-off, answered with COORDINATOR_NOT_AVAILABLE as Kafka does). Runs on loopback
only; the broker and its log directory are removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from broker.group.client import GroupClient  # noqa: E402

LINE = re.compile(
    r"Rebalance of group (\S+) to generation (\d+) with (\d+) members took ([\d.]+) ms .*?, "
    r"([\d.]+) ms after all members had joined"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    def __init__(self, d: Path):
        self.port = free_port()
        self.log_path = d / "broker.log"
        args = [
            f"listeners=PLAINTEXT://127.0.0.1:{self.port}",
            f"log.dirs={d / 'logs'}",
            "node.id=1",
            "offsets.topic.replication.factor=1",
            "group.initial.rebalance.delay.ms=0",
        ]
        cmd = [sys.executable, "-m", "broker", "--no-env"] + [x for a in args for x in ("--override", a)]
        with open(self.log_path, "w") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=str(ROOT))
        self._wait(lambda: "started" in self.log_path.read_text(), "broker start")

    def _wait(self, cond, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return
            if self.proc.poll() is not None:
                raise SystemExit(f"broker exited:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.05)
        raise SystemExit(f"timed out waiting for {what}")

    def prepare(self, topic: str, partitions: int) -> None:
        with GroupClient("127.0.0.1", self.port) as c:
            r = c.request(
                "create_topics",
                5,
                {
                    "topics": [
                        {
                            "name": topic,
                            "num_partitions": partitions,
                            "replication_factor": 1,
                            "assignments": [],
                            "configs": [],
                        }
                    ],
                    "timeout_ms": 5000,
                },
            )
            if r["topics"][0]["error_code"] not in (0, 36):
                raise SystemExit(f"CreateTopics failed: {r}")
            self._wait(
                lambda: c.request("find_coordinator", 2, {"key": "x", "key_type": 0})["error_code"] == 0,
                "the coordinator",
            )

    def state(self, group: str) -> tuple[str, int]:
        with GroupClient("127.0.0.1", self.port) as c:
            d = c.request("describe_groups", 5, {"groups": [group]})["groups"][0]
            return d["group_state"], len(d["members"])

    def rebalances(self, group: str) -> list[dict]:
        out = []
        for m in LINE.finditer(self.log_path.read_text()):
            if m.group(1) == group:
                out.append(
                    {
                        "generation": int(m.group(2)),
                        "members": int(m.group(3)),
                        "total_ms": float(m.group(4)),
                        "after_all_joined_ms": float(m.group(5)),
                    }
                )
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class Member:
    """One confluent-kafka consumer polled by its own thread (poll releases the GIL)."""

    def __init__(self, bootstrap: str, group: str, topic: str, name: str, heartbeat_ms: int):
        from confluent_kafka import Consumer

        self.assigned: list[int] = []
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": group,
                "client.id": name,
                "session.timeout.ms": 10000,
                "heartbeat.interval.ms": heartbeat_ms,
                "enable.auto.commit": False,
            }
        )
        self.consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _on_assign(self, _c, parts) -> None:
        self.assigned = sorted(p.partition for p in parts)

    def _on_revoke(self, _c, parts) -> None:
        self.assigned = []

    def _loop(self) -> None:
        while self.running:
            self.consumer.poll(0.05)

    def close(self) -> None:
        self.running = False
        self.thread.join(10)
        self.consumer.close()


def wait_covered(
    members: list[Member], partitions: int, broker: Broker, group: str, timeout: float = 60
) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        owned = sorted(p for m in members for p in m.assigned)
        if owned == list(range(partitions)) and all(m.assigned for m in members[:partitions]):
            if broker.state(group) == ("Stable", len(members)):
                return time.monotonic() - start
        time.sleep(0.02)
    raise SystemExit(f"group {group} did not settle within {timeout}s")


def one_run(broker: Broker, run: int, members: int, partitions: int, topic: str, heartbeat_ms: int) -> dict:
    group = f"bench-{run}-{os.getpid()}"
    t0 = time.monotonic()
    ms = [Member(f"127.0.0.1:{broker.port}", group, topic, f"m{i}", heartbeat_ms) for i in range(members)]
    wait_covered(ms, partitions, broker, group)
    cold_wall = time.monotonic() - t0  # from creating the consumers to a Stable, fully assigned group
    cold = broker.rebalances(group)
    leaver = ms.pop()
    t1 = time.monotonic()
    leaver.close()
    wait_covered(ms, partitions, broker, group)
    leave_wall = time.monotonic() - t1
    after = broker.rebalances(group)[len(cold) :]
    for m in ms:
        m.close()
    return {
        "group": group,
        "cold_start": {"client_wall_s": round(cold_wall, 3), "rebalances": cold},
        "after_leave": {"client_wall_s": round(leave_wall, 3), "rebalances": after},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=10)
    ap.add_argument("--partitions", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--heartbeat-ms", type=int, default=500)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.members < 2 or a.partitions < a.members or a.runs < 1:
        print("error: need --members >= 2, --partitions >= --members, --runs >= 1", file=sys.stderr)
        return 2
    d = Path(tempfile.mkdtemp(prefix="group-bench-"))
    broker = Broker(d)
    try:
        broker.prepare("bench", a.partitions)
        runs = [one_run(broker, r, a.members, a.partitions, "bench", a.heartbeat_ms) for r in range(a.runs)]
    finally:
        broker.stop()
        shutil.rmtree(d, ignore_errors=True)
    full = [rb for r in runs for rb in r["cold_start"]["rebalances"] if rb["members"] == a.members]
    leave = [rb for r in runs for rb in r["after_leave"]["rebalances"]]

    def med(xs: list[float]) -> float | None:
        return round(statistics.median(xs), 3) if xs else None

    summary = {
        "members": a.members,
        "partitions": a.partitions,
        "runs": a.runs,
        "heartbeat_ms": a.heartbeat_ms,
        "cold_start_rebalances_per_run": med([len(r["cold_start"]["rebalances"]) for r in runs]),
        "cold_start_client_wall_s_median": med([r["cold_start"]["client_wall_s"] for r in runs]),
        "full_group_rebalance_after_all_joined_ms_median": med([x["after_all_joined_ms"] for x in full]),
        "full_group_rebalance_total_ms_median": med([x["total_ms"] for x in full]),
        "after_leave_client_wall_s_median": med([r["after_leave"]["client_wall_s"] for r in runs]),
        "after_leave_rebalance_after_all_joined_ms_median": med([x["after_all_joined_ms"] for x in leave]),
        "after_leave_rebalance_total_ms_median": med([x["total_ms"] for x in leave]),
        "goal_after_all_joined_ms": 100,
    }
    worst = max([x["after_all_joined_ms"] for x in full + leave], default=None)
    summary["goal_met"] = worst is not None and worst < 100
    summary["worst_after_all_joined_ms"] = worst
    if a.json:
        print(json.dumps({"summary": summary, "runs": runs}))
    else:
        for r in runs:
            print(
                f"{r['group']}: cold start {r['cold_start']['client_wall_s']:.2f}s client-side, "
                f"after leave {r['after_leave']['client_wall_s']:.2f}s client-side"
            )
            for phase in ("cold_start", "after_leave"):
                for rb in r[phase]["rebalances"]:
                    print(
                        f"  {phase:<11} gen {rb['generation']:>2} members {rb['members']:>2}: "
                        f"{rb['total_ms']:8.1f} ms first JoinGroup → last SyncGroup, "
                        f"{rb['after_all_joined_ms']:6.1f} ms after all joined"
                    )
        for k, v in summary.items():
            print(f"{k}: {v}")
    return 0 if summary["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
