"""The drill package's only door to the lab pipeline (topology, plan, lab engine, brokers,
check): build, remove, inspect and check a drill's lab. Kept to these few calls so that a
restructuring of netlab/lab, netlab/plan.py or netlab/brokers.py changes one file here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from broker.properties import parse_properties
from netlab.brokers import format_properties, properties_path
from netlab.errors import InputError
from netlab.kafka.lab_report import Report, broker_logs, live_props, live_report, predicted_report, world_of
from netlab.kafka.results import Verdict
from netlab.kafka.verdicts import CheckPlan, ClientCheck, check
from netlab.kafka.views import World
from netlab.kernel.privileges import drop_argv, policy
from netlab.lab import (
    apply,
    check_can_apply,
    destroy,
    lab_paths,
    load_lab,
    require_root,
)
from netlab.lab.brokers import restart_step, wait_started
from netlab.lab.containers import reconcile
from netlab.plan import compile_plan
from netlab.topology import Topology, loads_topology

from .solution import apply_changes

MAX_TOPOLOGY = 1024 * 1024  # the drill's editable topology file: a few KB; bounded like every read

__all__ = [
    "Built",
    "require_root",
    "build",
    "remove",
    "is_up",
    "lab_topology_path",
    "read_lab_topology",
    "live_world",
    "parse_topology",
    "running_props",
    "set_properties",
    "live_judge_report",
    "predicted",
    "run_one_client",
    "run_group_client",
    "Report",
    "Verdict",
]


@dataclass
class Built:
    lab: str
    brokers: list  # BrokerStart: node, state, error


def parse_topology(text: str, where: str) -> Topology:
    """Validated topology from text (InputError with file:line: path on a bad one)."""
    return loads_topology(text, where).topology


def build(text: str, where: str) -> Built:
    """`netlab up` of a topology text: validate, compile, check, build, wait for the brokers
    (a broker that does not start is a result, as in `netlab up`)."""
    topology = parse_topology(text, where)
    plan = compile_plan(topology)
    check_can_apply(plan)
    apply(plan, topology_text=text)
    brokers = wait_started(plan.lab)
    reconcile(plan.lab)  # as `netlab up`: a container whose broker did not start is stopped
    return Built(plan.lab, brokers)


def remove(lab: str) -> bool:
    """`netlab down`: from the lab's journal alone; True when there was something to remove."""
    return destroy(lab).existed


def is_up(lab: str) -> bool:
    return lab_paths(lab).plan.exists()


def lab_topology_path(lab: str) -> Path:
    """The copy of the topology in the lab directory (what `netlab check` reads; the drill's
    editable file, applied with `netlab drill apply`)."""
    return lab_paths(lab).topology


def read_lab_topology(lab: str) -> tuple[Path, str]:
    """(path, text) of the lab's topology file ("" when it is not there), read bounded: the user
    edits it, so it may be anything."""
    path = lab_topology_path(lab)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_TOPOLOGY + 1)
    except FileNotFoundError:
        return path, ""
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if len(raw) > MAX_TOPOLOGY:
        raise InputError(f"larger than {MAX_TOPOLOGY} bytes: not a drill topology", where=str(path))
    try:
        return path, raw.decode()
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", where=str(path)) from None


def running_props(lab: str, topology: Topology) -> dict[str, dict[str, str]]:
    """node -> the properties its broker runs with now (after any `netlab config ... set`)."""
    return live_props(lab, topology)


def set_properties(lab: str, node: str, changes: dict[str, str | None]) -> dict:
    """What `netlab config <lab> <node> set ...` does: edit the broker's server.properties in the
    lab directory, then restart it and wait until it started or failed. None removes a key."""
    state = load_lab(lab)
    step = next((s for s in state.process_steps if s.node == node and s.role == "broker"), None)
    if step is None:
        raise KeyError(node)
    path = properties_path(lab, node)
    text = path.read_text()  # netlab's own file in the lab directory (root only), a few hundred bytes
    props = apply_changes(parse_properties(text), changes)
    header = "\n".join(line[1:].strip() for line in text.splitlines() if line.startswith("#"))
    path.write_text(format_properties(props, header or f"broker of node {node} in lab {lab}"))
    return restart_step(lab, step)["broker"]  # as `netlab restart`: stop, mark the log, start, wait


def client_prefix(netns: str) -> list[str]:
    """How `netlab check` starts a client in a node: in its namespace, unprivileged
    (docs/security.md: clients run as the `netlab` user, without capabilities)."""
    return ["ip", "netns", "exec", netns, *drop_argv(policy("client"))]


def live_judge_report(lab: str, topology: Topology, timeout: float) -> Report:
    """`netlab check <lab>`: every row of the topology run live with real clients."""
    reconcile(lab)  # as `netlab check`: a broker that ended since, its container stopped
    state = load_lab(lab)
    prefixes = {node: client_prefix(netns) for node, netns in state.nodes.items()}
    return live_report(lab, topology, prefixes, broker_logs(lab, topology), timeout=timeout)


def live_world(lab: str, topology: Topology) -> World:
    """Where connections land in the running lab, with the settings its brokers run with now."""
    return world_of(topology, live_props(lab, topology))


def predicted(topology: Topology, props: dict[str, dict[str, str]] | None = None) -> Report:
    """`netlab predict`: the same rows from the topology (and, optionally, edited properties)."""
    return predicted_report(topology, props)


def run_one_client(lab: str, topology: Topology, node: str, bootstrap: str, client: str, timeout: float):
    """One real client of the lab, live (for the story: what the user sees, verbatim)."""
    state = load_lab(lab)
    world = live_world(lab, topology)
    prefix: dict[str, Sequence[str]] = {node: client_prefix(state.netns(node))}
    return check(world, CheckPlan([ClientCheck(node, bootstrap, client)], []), prefix, timeout=timeout)[0]


def run_group_client(lab: str, spec: dict, timeout: float) -> tuple[bool, str | None]:
    """Real clients for a group constraint in a node of the lab (python -m netlab.drill.group_client):
    join the group (group_forms), or describe it until it has the expected members (group_members)."""
    node, bootstrap, group = spec["node"], spec["bootstrap"], spec["group"]
    argv = client_prefix(load_lab(lab).netns(node)) + [sys.executable, "-m", "netlab.drill.group_client"]
    argv += ["--bootstrap", bootstrap, "--group", group, "--timeout", f"{timeout:g}"]
    if "members" in spec:
        argv += ["--members", ",".join(str(m) for m in spec["members"])]
    try:
        cp = subprocess.run(argv, capture_output=True, text=True, timeout=timeout * 3 + 5)
        out = json.loads(cp.stdout.strip().splitlines()[-1])
        return bool(out["ok"]), out.get("error")
    except (subprocess.TimeoutExpired, ValueError, IndexError, KeyError) as exc:
        return False, f"the group client did not answer: {exc}"
