"""`netlab up` as a library call: load the topology, resolve it, compile the plan, check that it
can be applied, apply it, and wait for its brokers. The CLI (netlab/cli/up.py) only renders.

    plan = prepare(path)              # InputError / NetlabError before anything is made
    result = up(plan, progress=...)   # UpResult; a broker that does not start is a result

`up(path)` does both. Needs root (everything but `prepare`'s load and compile does).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from netlab.lab.apply import ProgressFn, apply, check_can_apply
from netlab.lab.brokers import BrokerStart, wait_started
from netlab.lab.containers import stopped_now
from netlab.plan import compile_plan
from netlab.resources import Namespace, Plan, Process
from netlab.topology import load_topology


@dataclass
class UpResult:
    plan: Plan
    state_dir: Path
    seconds: float  # building the lab (namespaces ... processes started)
    brokers: list[BrokerStart] = field(default_factory=list)
    stopped: dict[str, str] = field(default_factory=dict)  # stopped containers: node -> why

    @property
    def lab(self) -> str:
        return self.plan.lab

    @property
    def nodes(self) -> int:
        return len(self.plan.of_kind(Namespace))

    @property
    def processes(self) -> list[str]:
        return [f"{s.node}/{s.name}" for s in self.plan.of_kind(Process)]

    @property
    def broker_seconds(self) -> float:
        return max((b.seconds for b in self.brokers), default=0.0)

    def to_dict(self) -> dict:
        """What `netlab up --json` prints."""
        return {
            "lab": self.lab,
            "nodes": self.nodes,
            "steps": len(self.plan.steps),
            "seconds": round(self.seconds, 4),
            "broker_start_seconds": round(self.broker_seconds, 4),
            "state_dir": str(self.state_dir),
            "processes": self.processes,
            "brokers": [b.to_dict() for b in self.brokers],
            "stopped_containers": dict(self.stopped),
        }


def prepare(path: str | Path) -> Plan:
    """Load, resolve and compile a topology file, and check the plan can be applied here (root,
    name free, kernel features); nothing is created."""
    plan = compile_plan(load_topology(path))
    check_can_apply(plan)
    return plan


def up(source: str | Path | Plan, *, progress: ProgressFn | None = None) -> UpResult:
    """Build the lab of `source` (a topology file, or a plan from `prepare`) and wait (bounded)
    for its brokers to start; on a failure everything made so far is removed (lab.apply)."""
    plan = source if isinstance(source, Plan) else prepare(source)
    started = time.perf_counter()
    paths = apply(plan, progress=progress)
    elapsed = time.perf_counter() - started
    has_brokers = any(s.role == "broker" for s in plan.of_kind(Process))
    brokers = wait_started(plan.lab) if has_brokers else []  # containers follow their broker
    return UpResult(plan, paths.root, elapsed, brokers, stopped_now(plan.lab))
