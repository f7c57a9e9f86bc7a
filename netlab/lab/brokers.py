"""Brokers of a running lab: wait (bounded) until they started, restart one.

A broker that refuses its config or fails to bind is a result, not an error: `wait_started`
reads Kafka's message from its log (netlab.kafka.broker_log). A ZooKeeper-mode broker answers
before the controller's first UpdateMetadata reaches it, and until then its Metadata lists no
broker and a topic it auto-creates fails (Kafka's ZkMetadataCache and ZkAdminManager race the same
way): `wait_started` also waits, bounded, for that first UpdateMetadata, or for the controller's
line saying it cannot reach the broker (then none is coming: the lab's result). The planning side (properties,
process steps) is netlab/brokers.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from broker.properties import parse_properties
from netlab.brokers import RESTART_MARK, current_run, needs_registration, properties_path
from netlab.kafka.broker_log import (
    REGISTER_PROBLEMS,
    REGISTERED_MARK,
    UNFENCED_MARK,
    UNREACHED_BY_CONTROLLER,
    UPDATE_METADATA_MARK,
    ZK_BROKER_ID,
    has_started,
    start_error_from_log,
)
from netlab.kernel import processes
from netlab.lab.containers import reconcile
from netlab.lab.paths import lab_paths
from netlab.lab.state import load_lab, start_process, stop_process
from netlab.polling import poll_until
from netlab.resources import Process

START_TIMEOUT = 15.0
REGISTER_WAIT = 6.0
METADATA_WAIT = 10.0  # after its start, for a ZooKeeper-mode broker's first UpdateMetadata


@dataclass
class BrokerStart:
    node: str
    # started | failed | starting (not started in time) | unregistered (a KRaft broker the
    # controller never took) | fenced (registered, but not unfenced in time: Metadata omits it)
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


def judge_start(
    node: str, log: str, running: bool, exit_code: int | None, register: bool, elapsed: float
) -> BrokerStart | None:
    if not running:
        why = start_error_from_log(log) or (log.strip().splitlines() or [f"exited with code {exit_code}"])[-1]
        return BrokerStart(node, "failed", why, elapsed)
    # a registering broker serves clients once unfenced: until then Metadata leaves it out
    if has_started(log) and (not register or UNFENCED_MARK in log):
        return BrokerStart(node, "started", None, elapsed)
    return None


def _zookeeper_mode(props: dict[str, str]) -> bool:
    return bool(props.get("zookeeper.connect")) and not props.get("process.roles", "").strip()


def metadata_settled(log: str, all_logs: list[str]) -> bool:
    """A started ZooKeeper-mode broker got its first UpdateMetadata, or the controller logged that
    it cannot reach it (the controller is one of the lab's brokers)."""
    if UPDATE_METADATA_MARK in log:
        return True
    m = ZK_BROKER_ID.search(log)
    if m is None:
        return False
    return any(u.group(1) == m.group(1) for text in all_logs for u in UNREACHED_BY_CONTROLLER.finditer(text))


def wait_started(
    lab: str, nodes: list[str] | None = None, timeout: float = START_TIMEOUT
) -> list[BrokerStart]:
    """Wait (bounded) until every broker of the lab started (and, for a KRaft broker, registered
    with its controller) or exited; each with Kafka's message when it did not start."""
    state = load_lab(lab)
    steps = [s for s in state.process_steps if s.role == "broker" and (nodes is None or s.node in nodes)]
    register, zk_mode = {}, set()
    for s in steps:
        path = properties_path(lab, s.node)
        props = parse_properties(path.read_text()) if path.exists() else {}
        register[s.node] = needs_registration(props)
        if _zookeeper_mode(props):
            zk_mode.add(s.node)
    every = [s for s in state.process_steps if s.role == "broker"]  # the controller may be any of them
    began = time.monotonic()
    pending = {s.node: s for s in steps}
    done: dict[str, BrokerStart] = {}
    logs: dict[str, str] = {}
    awaiting_metadata: dict[str, BrokerStart] = {}

    def read(step: Process) -> str:
        files = state.paths.process(step.node, step.name)
        return current_run(files.logfile.read_text(errors="replace")) if files.logfile.exists() else ""

    def metadata_waits() -> bool:
        """True while a started ZooKeeper-mode broker still waits for its first UpdateMetadata."""
        if not awaiting_metadata:
            return False
        texts = [read(s) for s in every]
        for node, start in list(awaiting_metadata.items()):
            step = next(s for s in steps if s.node == node)
            expired = time.monotonic() - began - start.seconds > METADATA_WAIT
            if (
                expired
                or metadata_settled(read(step), texts)
                or processes.state(state.paths.process(step.node, step.name)).state != "running"
            ):
                del awaiting_metadata[node]
        return bool(awaiting_metadata)

    def settled() -> bool | None:
        for node, step in list(pending.items()):
            files = state.paths.process(step.node, step.name)
            log = current_run(files.logfile.read_text(errors="replace")) if files.logfile.exists() else ""
            logs[node] = log
            st = processes.state(files)
            verdict = judge_start(
                node, log, st.state == "running", st.exit_code, register[node], time.monotonic() - began
            )
            if verdict is not None:
                done[node] = verdict
                del pending[node]
                if verdict.state == "started" and node in zk_mode:
                    awaiting_metadata[node] = verdict
        if metadata_waits():
            return None
        if pending and time.monotonic() - began > timeout:  # the start wait is over
            return True
        # brokers that started but did not register: Kafka retries every ~2 s; three tries are
        # enough (one that registered is on its way to being unfenced: it gets the whole wait)
        only_unregistered = all(
            has_started(logs.get(n, "")) and REGISTERED_MARK not in logs.get(n, "") for n in pending
        )
        if not pending or (only_unregistered and time.monotonic() - began > REGISTER_WAIT):
            return True
        return None

    poll_until(settled, timeout + METADATA_WAIT, first_delay=0.01)
    for node in pending:  # not started (or not registered) in time
        log = logs.get(node, "")
        if has_started(log) and REGISTERED_MARK in log:
            done[node] = BrokerStart(
                node,
                "fenced",
                "registered with the controller, but not unfenced yet: Metadata does not list it",
                time.monotonic() - began,
            )
        elif has_started(log):
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
