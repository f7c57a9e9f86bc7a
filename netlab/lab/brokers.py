"""Brokers of a running lab: wait (bounded) until they started, restart one.

A broker that refuses its config or fails to bind is a result, not an error: `wait_started`
reads Kafka's message from its log (netlab.kafka.broker_log). The planning side (properties,
process steps) is netlab/brokers.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from broker.properties import parse_properties
from netlab.brokers import RESTART_MARK, current_run, needs_registration, properties_path
from netlab.kafka.broker_log import REGISTER_PROBLEMS, REGISTERED_MARK, has_started, start_error_from_log
from netlab.kernel import processes
from netlab.lab.containers import reconcile
from netlab.lab.paths import lab_paths
from netlab.lab.state import load_lab, start_process, stop_process
from netlab.polling import poll_until
from netlab.resources import Process

START_TIMEOUT = 15.0
REGISTER_WAIT = 6.0


@dataclass
class BrokerStart:
    node: str
    # started | failed | starting (not started in time) | unregistered (a KRaft broker the
    # controller never took)
    state: str
    error: str | None = None  # Kafka's message
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "node": self.node,
            "state": self.state,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


def _judge(
    node: str, log: str, running: bool, exit_code: int | None, register: bool, elapsed: float
) -> BrokerStart | None:
    if not running:
        why = start_error_from_log(log) or (log.strip().splitlines() or [f"exited with code {exit_code}"])[-1]
        return BrokerStart(node, "failed", why, elapsed)
    if has_started(log) and (not register or REGISTERED_MARK in log):
        return BrokerStart(node, "started", None, elapsed)
    return None


def wait_started(
    lab: str, nodes: list[str] | None = None, timeout: float = START_TIMEOUT
) -> list[BrokerStart]:
    """Wait (bounded) until every broker of the lab started (and, for a KRaft broker, registered
    with its controller) or exited; each with Kafka's message when it did not start."""
    state = load_lab(lab)
    steps = [s for s in state.process_steps if s.role == "broker" and (nodes is None or s.node in nodes)]
    register = {}
    for s in steps:
        path = properties_path(lab, s.node)
        register[s.node] = needs_registration(parse_properties(path.read_text()) if path.exists() else {})
    began = time.monotonic()
    pending = {s.node: s for s in steps}
    done: dict[str, BrokerStart] = {}
    logs: dict[str, str] = {}

    def settled() -> bool | None:
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
        # brokers that started but did not register: Kafka retries every ~2 s; three tries are enough
        only_unregistered = all(has_started(logs.get(n, "")) for n in pending)
        if not pending or (only_unregistered and time.monotonic() - began > REGISTER_WAIT):
            return True
        return None

    poll_until(settled, timeout, first_delay=0.01)
    for node in pending:  # not started (or not registered) in time
        log = logs.get(node, "")
        if has_started(log):
            last = [line for line in log.splitlines() if any(p in line for p in REGISTER_PROBLEMS)]
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
    # a container whose broker did not start (or ended) is stopped, as Docker stops it: its names
    # and published ports are withdrawn; one whose broker runs again gets them back
    reconcile(lab)
    return [done[s.node] for s in steps]


def restart_step(lab: str, step: Process) -> dict:
    """Stop, mark the log, start; for a broker wait until it started or failed (Kafka's message)."""
    stop_process(lab, step)
    log = lab_paths(lab).process(step.node, step.name).logfile
    with open(log, "a") as fh:
        fh.write(f"{RESTART_MARK}\n")
    pid = start_process(lab, step)
    out: dict = {"lab": lab, "node": step.node, "process": step.name, "pid": pid}
    if step.role == "broker":
        out["broker"] = wait_started(lab, [step.node])[0].to_dict()
    return out
