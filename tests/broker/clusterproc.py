"""Three real `python -m broker` processes on 127.0.0.1-127.0.0.3: node 1 is broker+controller
(the single voter), nodes 2 and 3 are brokers. Each has an INTERNAL (inter-broker) and an
EXTERNAL listener; timings are shortened so fencing and ISR changes happen within seconds."""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from brokerproc import BrokerProc, free_port, start_broker
from support import poll

from broker.raft.metadata_image import read_state

CLUSTER_ID = "netlabClusterTest0000A"
FAST = [
    "broker.heartbeat.interval.ms=200",
    "broker.session.timeout.ms=1500",
    "replica.lag.time.max.ms=2000",
    "replica.fetch.wait.max.ms=200",
    "replica.fetch.backoff.ms=200",
    "offsets.topic.num.partitions=3",
    "offsets.topic.replication.factor=3",
    "group.initial.rebalance.delay.ms=0",
    f"cluster.id={CLUSTER_ID}",
]
PROTO_MAP = "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT"


@dataclass
class Node:
    node_id: int
    host: str
    internal: int
    external: int
    extra: list[str] = field(default_factory=list)
    bp: BrokerProc | None = None

    def overrides(self, controller_port: int) -> list[str]:
        roles = "broker,controller" if self.node_id == 1 else "broker"
        listeners = f"INTERNAL://{self.host}:{self.internal},EXTERNAL://{self.host}:{self.external}"
        if self.node_id == 1:
            listeners += f",CONTROLLER://{self.host}:{controller_port}"
        return (
            [
                f"node.id={self.node_id}",
                f"process.roles={roles}",
                f"listeners={listeners}",
                f"advertised.listeners=INTERNAL://{self.host}:{self.internal},EXTERNAL://{self.host}:{self.external}",
                "inter.broker.listener.name=INTERNAL",
                "controller.listener.names=CONTROLLER",
                f"listener.security.protocol.map={PROTO_MAP}",
                f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
            ]
            + FAST
            + self.extra
        )

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.external}"


class Cluster:
    def __init__(self, tmp: Path, extra: dict[int, list[str]] | None = None, prefix: list[str] | None = None):
        self.tmp = tmp
        self.prefix = prefix  # e.g. ["ip", "netns", "exec", ns]
        self.controller_port = free_port()
        self.nodes = {
            i: Node(i, f"127.0.0.{i}", free_port(), free_port(), list((extra or {}).get(i, [])))
            for i in (1, 2, 3)
        }

    def start(self, i: int, wait_for: str | None = None, timeout: float = 20) -> BrokerProc:
        n = self.nodes[i]
        if wait_for is None:
            wait_for = "Kafka Server started" if i == 1 else "Transitioning from RECOVERY to RUNNING."
        n.bp = start_broker(
            self.tmp,
            n.overrides(self.controller_port),
            port=n.internal,
            log_dir=self.tmp / f"logs-{i}",
            wait_for=wait_for,
            timeout=timeout,
            prefix=self.prefix,
        )
        assert n.bp.proc.poll() is None, n.bp.output()
        return n.bp

    def start_all(self) -> None:
        for i in (1, 2, 3):
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
        return "".join(p.read_text() for p in sorted(self.tmp.glob(f"broker-{self.nodes[i].internal}-*.log")))

    @property
    def bootstrap(self) -> str:
        return ",".join(n.bootstrap for n in self.nodes.values())

    def state(self) -> dict:
        """The controller's view (topics, replicas, ISR, leaders, epochs), replayed from its
        metadata log `__cluster_metadata-0`."""
        return read_state(self.tmp / "logs-1" / "__cluster_metadata-0")

    def partition(self, topic: str, p: int = 0) -> dict:
        t = next(t for t in self.state()["topics"] if t["name"] == topic)
        return next(x for x in t["partitions"] if x["p"] == p)

    def wait(self, what, timeout: float = 20, step: float = 0.1):
        return poll(what, timeout, step)


def kcat_list(bootstrap: str) -> str:
    return subprocess.run(
        ["kcat", "-L", "-b", bootstrap, "-m", "5"], capture_output=True, text=True, timeout=30
    ).stdout
