"""Brokers in nodes: a node's `broker:` block becomes a server.properties in the lab directory
and a `python -m broker <file>` process inside the node (role 'broker').

    /run/netlab/<lab>/brokers/<node>/server.properties   what the broker runs with
    /run/netlab/<lab>/brokers/<node>/data/                log.dirs (unless the topology sets it)

The properties are the topology's merge (properties < KAFKA_* < KAFKA_CFG_*, as the broker merges
a file and its environment); the broker is started with --no-env so the file is the whole truth
and `netlab config` shows exactly what runs. A broker that refuses its config or fails to bind is
a result: `wait_started` reads Kafka's message from its log.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from netlab.lab.paths import lab_paths
from netlab.resources import Process
from netlab.topology.kafka_fields import broker_properties
from netlab.topology.models import Topology

BROKER_PROCESS = "broker"
# `netlab restart` appends this line to the process log; what came before is an earlier run
RESTART_MARK = "----- netlab restart -----"
STARTED_MARKS = ("] started (kafka.server.KafkaServer)", "Kafka Server started")
START_TIMEOUT = 15.0


def broker_dir(lab: str, node: str) -> Path:
    return lab_paths(lab).root / "brokers" / node


def properties_path(lab: str, node: str) -> Path:
    return broker_dir(lab, node) / "server.properties"


def node_properties(topology: Topology, node: str) -> dict[str, str]:
    """What the broker in `node` runs with, lab defaults included (log.dirs in the lab directory)."""
    props = broker_properties(topology.nodes[node].broker or {})
    props.setdefault("log.dirs", str(broker_dir(topology.lab, node) / "data"))
    return props


def format_properties(props: dict[str, str], header: str) -> str:
    """A Java properties file (keys are plain; values escape backslashes and newlines)."""
    lines = [f"# {line}" for line in header.splitlines()]
    for key, value in props.items():
        value = value.replace("\\", "\\\\").replace("\n", "\\n")
        lines.append(f"{key}={value}")
    return "\n".join(lines) + "\n"


def broker_steps(topology: Topology, ns: dict[str, str]) -> list[Process]:
    out = []
    for node, spec in topology.nodes.items():
        if spec.broker is None:
            continue
        path = properties_path(topology.lab, node)
        text = format_properties(
            node_properties(topology, node),
            f"broker of node {node} in lab {topology.lab} (from {topology.source or 'the topology'})\n"
            f"edit with: netlab config {topology.lab} {node} set key=value",
        )
        props = node_properties(topology, node)
        controller = "controller" in props.get("process.roles", "").lower()
        out.append(
            Process(
                netns=ns[node],
                node=node,
                name=BROKER_PROCESS,
                role="broker",
                argv=(sys.executable, "-m", "broker", str(path), "--no-env"),
                # the broker package next to this netlab, whatever the venv's install points at
                env=(("PYTHONPATH", str(Path(__file__).resolve().parents[1])),),
                files=((str(path), text),),
                # brokers register with the controller at once: let it listen first
                ready=STARTED_MARKS[1] if controller else None,
            )
        )
    return sorted(out, key=lambda p: p.ready is None)  # controllers first (stable otherwise)


def current_run(log: str) -> str:
    """The part of a process log written since its last (re)start."""
    return log.rpartition(RESTART_MARK)[2]


def start_error(log: str) -> str | None:
    from netlab.kafka.check import start_error_from_log

    return start_error_from_log(log)


@dataclass
class BrokerStart:
    node: str
    state: str  # started | failed | starting (not started in time) | unregistered (KRaft broker the controller never took)
    error: str | None = None  # Kafka's message
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "node": self.node,
            "state": self.state,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


REGISTERED_MARK = "Successfully registered broker"
REGISTER_WAIT = 6.0
REGISTER_PROBLEMS = ("could not be established", "Unable to register")


def needs_registration(props: dict[str, str]) -> bool:
    """A KRaft node with the broker role only registers with a controller elsewhere before the
    cluster lists it (Metadata omits unregistered brokers); a combined node registers itself,
    unless there are several voters: then it registers with the elected leader like any broker."""
    roles = {r.strip().lower() for r in props.get("process.roles", "").split(",") if r.strip()}
    voters = [v for v in props.get("controller.quorum.voters", "").split(",") if v.strip()]
    return roles == {"broker"} or ("broker" in roles and len(voters) > 1)


def _judge(
    node: str, log: str, running: bool, exit_code: int | None, register: bool, elapsed: float
) -> BrokerStart | None:
    started = any(m in log for m in STARTED_MARKS)
    if not running:
        why = start_error(log) or (log.strip().splitlines() or [f"exited with code {exit_code}"])[-1]
        return BrokerStart(node, "failed", why, elapsed)
    if started and (not register or REGISTERED_MARK in log):
        return BrokerStart(node, "started", None, elapsed)
    return None


def wait_started(
    lab: str, nodes: list[str] | None = None, timeout: float = START_TIMEOUT
) -> list[BrokerStart]:
    """Wait (bounded) until every broker of the lab started (and, for a KRaft broker, registered
    with its controller) or exited; each with Kafka's message when it did not start."""
    from broker.properties import parse_properties
    from netlab.kernel import processes
    from netlab.lab import load_lab

    state = load_lab(lab)
    steps = [s for s in state.process_steps if s.role == "broker" and (nodes is None or s.node in nodes)]
    register = {}
    for s in steps:
        path = properties_path(lab, s.node)
        register[s.node] = needs_registration(parse_properties(path.read_text()) if path.exists() else {})
    began = time.monotonic()
    deadline = began + timeout
    pending = {s.node: s for s in steps}
    done: dict[str, BrokerStart] = {}
    logs: dict[str, str] = {}
    delay = 0.01
    while pending:
        for node, step in list(pending.items()):
            files = state.paths.process(step.node, step.name)
            log = current_run(files.logfile.read_text(errors="replace")) if files.logfile.exists() else ""
            logs[node] = log
            st = processes.state(files)
            verdict = _judge(
                node, log, st.state == "running", st.exit_code, register[node], time.monotonic() - began
            )
            if verdict is not None:
                done[node] = verdict
                del pending[node]
        if pending:
            # brokers that started but did not register: Kafka retries every ~2 s; three tries are enough
            only_unregistered = all(any(m in logs.get(n, "") for m in STARTED_MARKS) for n in pending)
            if time.monotonic() > deadline or (
                only_unregistered and time.monotonic() - began > REGISTER_WAIT
            ):
                for node in pending:
                    log = logs.get(node, "")
                    if any(m in log for m in STARTED_MARKS):
                        last = [l for l in log.splitlines() if any(p in l for p in REGISTER_PROBLEMS)]
                        done[node] = BrokerStart(
                            node,
                            "unregistered",
                            (last[-1] if last else "not registered with the controller"),
                            time.monotonic() - began,
                        )
                    else:
                        done[node] = BrokerStart(
                            node, "starting", f"not started after {timeout:.0f} s", time.monotonic() - began
                        )
                break
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
    return [done[s.node] for s in steps]
