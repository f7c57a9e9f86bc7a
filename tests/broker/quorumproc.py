"""Real `python -m broker` processes forming a multi-voter KRaft quorum on 127.0.0.x, without
netlab: `combined` (three broker,controller nodes, the apache/kafka image's combined example)
or `isolated` (three controllers 1-3 and three brokers 4-6). Timings are Kafka's defaults except
the broker session, shortened so fencing shows within seconds."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from brokerproc import BrokerProc, free_port, start_broker
from support import poll

CLUSTER_ID = "netlabQuorumTest00000A"
FAST = [
    "broker.heartbeat.interval.ms=200",
    "broker.session.timeout.ms=1500",
    "replica.lag.time.max.ms=3000",
    "replica.fetch.wait.max.ms=200",
    "replica.fetch.backoff.ms=200",
    "offsets.topic.num.partitions=3",
    "offsets.topic.replication.factor=3",
    "group.initial.rebalance.delay.ms=0",
    "controller.quorum.election.timeout.ms=1000",
    "controller.quorum.fetch.timeout.ms=2000",
    f"cluster.id={CLUSTER_ID}",
]
PROTO_MAP = "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT"
LEADER_RE = re.compile(r"Completed transition to Leader\(localId=(\d+), epoch=(\d+)")


@dataclass
class QNode:
    node_id: int
    host: str
    roles: str
    controller: int  # controller listener port (0: none)
    internal: int = 0
    external: int = 0
    extra: list[str] = field(default_factory=list)
    bp: BrokerProc | None = None
    bind_host: str | None = None  # the controller listener's bind address, if not `host`

    def overrides(self, voters: str) -> list[str]:
        parts, adv = [], []
        if "broker" in self.roles:
            parts += [f"INTERNAL://{self.host}:{self.internal}", f"EXTERNAL://{self.host}:{self.external}"]
            adv = [f"INTERNAL://{self.host}:{self.internal}", f"EXTERNAL://{self.host}:{self.external}"]
        if "controller" in self.roles:
            parts.append(f"CONTROLLER://{self.bind_host or self.host}:{self.controller}")
        out = [
            f"node.id={self.node_id}",
            f"process.roles={self.roles}",
            f"listeners={','.join(parts)}",
            "controller.listener.names=CONTROLLER",
            f"listener.security.protocol.map={PROTO_MAP}",
            f"controller.quorum.voters={voters}",
        ]
        if adv:
            out += [f"advertised.listeners={','.join(adv)}", "inter.broker.listener.name=INTERNAL"]
        return out + FAST + self.extra

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.external}"


class Quorum:
    def __init__(self, tmp: Path, layout: str = "combined", voters: int = 3, extra: dict | None = None):
        self.tmp = tmp
        self.nodes: dict[int, QNode] = {}
        if layout == "combined":
            for i in range(1, voters + 1):
                self.nodes[i] = QNode(
                    i, f"127.0.0.{i}", "broker,controller", free_port(), free_port(), free_port()
                )
        else:
            for i in range(1, voters + 1):
                self.nodes[i] = QNode(i, f"127.0.0.{i}", "controller", free_port())
            for i in range(voters + 1, voters + 4):
                self.nodes[i] = QNode(i, f"127.0.0.{i}", "broker", 0, free_port(), free_port())
        for i, e in (extra or {}).items():
            self.nodes[i].extra += e
        self.voter_ids = [i for i, n in self.nodes.items() if "controller" in n.roles]
        self.voters = ",".join(f"{i}@{self.nodes[i].host}:{self.nodes[i].controller}" for i in self.voter_ids)

    def start(self, i: int, wait_for: str = "Kafka Server started", timeout: float = 20) -> BrokerProc:
        n = self.nodes[i]
        port = n.internal or n.controller
        n.bp = start_broker(
            self.tmp,
            n.overrides(self.voters),
            port=port,
            log_dir=self.tmp / f"logs-{i}",
            wait_for=wait_for,
            timeout=timeout,
        )
        assert n.bp.proc.poll() is None, n.bp.output()
        return n.bp

    def start_all(self) -> None:
        for i in self.nodes:
            self.start(i)

    def kill(self, i: int) -> None:
        bp = self.nodes[i].bp
        if bp is not None and bp.proc.poll() is None:
            bp.proc.send_signal(signal.SIGKILL)
            bp.proc.wait(10)

    def stop_all(self) -> None:
        for n in self.nodes.values():
            if n.bp is not None and n.bp.proc.poll() is None:
                n.bp.stop()

    def output(self, i: int) -> str:
        bp = self.nodes[i].bp
        return bp.output() if bp else ""

    def alive(self, i: int) -> bool:
        bp = self.nodes[i].bp
        return bp is not None and bp.proc.poll() is None

    @property
    def bootstrap(self) -> str:
        return ",".join(n.bootstrap for n in self.nodes.values() if "broker" in n.roles)

    def leaders(self) -> list[tuple[int, int]]:
        """(leader id, epoch) of every `Completed transition to Leader` line, over all logs."""
        out = []
        for i in self.nodes:
            out += [(int(a), int(b)) for a, b in LEADER_RE.findall(self.output(i))]
        return sorted(out, key=lambda x: x[1])

    def describe(self, via: int, what: str = "--status") -> subprocess.CompletedProcess:
        n = self.nodes[via]
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "broker.metadata_quorum",
                "--bootstrap-controller",
                f"{n.host}:{n.controller}",
                "describe",
                what,
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )

    def status(self, via: int) -> dict[str, str]:
        r = self.describe(via)
        return (
            dict(
                (k.rstrip(":"), v.strip())
                for k, _, v in (line.partition(" ") for line in r.stdout.splitlines())
            )
            if r.returncode == 0
            else {}
        )

    def wait(self, what, timeout: float = 20, step: float = 0.1):
        return poll(what, timeout, step)
