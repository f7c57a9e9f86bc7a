"""`netlab check` / `netlab predict` over a topology: the world, the rows, the expectations.

Rows come in one order for both verbs: one per broker (did it start?), then one per client of
`clients:`, then one per broker-to-broker link (links_of the *predicted* world, so live and
predicted lists line up row by row). Each row carries its `expect:` value when the topology
gives one.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from broker.properties import parse_properties
from netlab.broker_files import BROKER_PROCESS, current_run, properties_path
from netlab.containers import stopped_containers
from netlab.kernel import processes
from netlab.lab_paths import lab_paths
from netlab.topology.kafka_fields import broker_properties
from netlab.topology.models import Topology
from netlab.topology.resolve import as_resolved
from netlab.topology.view import Resolved

from .broker_log import start_error_from_log
from .lab_world import world_from_resolved
from .predict_rules import broker_refusal, broker_view
from .results import Verdict
from .verdicts import (
    DEFAULT_TIMEOUT,
    CheckPlan,
    ClientCheck,
    Expectation,
    check,
    disagreements,
    expectation_mismatch,
    links_of,
    predict,
    start_verdicts,
)
from .views import WILDCARDS, World
from .zk_rules import apply_reachability, zookeeper_views


def topology_props(topology: Topology) -> dict[str, dict[str, str]]:
    """node -> the broker's properties as the topology declares them."""
    return {
        node: broker_properties(spec.broker)
        for node, spec in topology.nodes.items()
        if spec.broker is not None
    }


def world_of(
    r: Resolved | Topology,
    props: Mapping[str, Mapping[str, str]] | None = None,
    start_errors: Mapping[str, str | None] | None = None,
) -> World:
    """The World of a topology with its brokers placed (binding rules applied per node, ports
    taken by the node's own port proxy counted). `start_errors` (node -> Kafka's error or None)
    replaces the predicted start of each broker with what really happened (a live lab). A
    container whose broker did not start is stopped: its names and published ports are withdrawn
    (netlab/containers.py)."""
    r = as_resolved(r)
    world = world_from_resolved(r)
    props = topology_props(r.topology) if props is None else props
    for node, p in props.items():
        taken = {
            ("0.0.0.0" if f.listen_host in WILDCARDS else f.listen_host, f.listen_port)
            for f in world.published
            if f.node == node
        }
        view = broker_view(node, dict(p), world.vantage(node), hostname=node, taken=taken)
        if view.start_error is None:
            # the lab runs netlab's broker: whatever it refuses (its own validation and what it
            # does not support, e.g. several KRaft voters) does not start, whatever Kafka would do
            view.start_error = broker_refusal(p)
        world.brokers.append(view)
    world.zookeepers = zookeeper_views(r.topology)
    apply_reachability(world)  # ZooKeeper-mode brokers that reach no ZooKeeper exit; their ids
    if start_errors is not None:
        for b in world.brokers:
            b.start_error = start_errors.get(b.node)
    stopped = stopped_containers(r, {b.node: b.start_error for b in world.brokers})
    if stopped:  # the stopped containers' own vantages (and so their brokers' binds) are unchanged
        placed = world
        world = world_from_resolved(r, stopped)
        world.brokers, world.zookeepers = placed.brokers, placed.zookeepers
    return world


def plan_of(topology: Topology, world: World) -> CheckPlan:
    return CheckPlan([ClientCheck(c.node, c.bootstrap, c.client) for c in topology.clients], links_of(world))


@dataclass
class Report:
    """Rows of one run (live or predicted) with what the topology expects of each."""

    verdicts: list[Verdict]
    expected: list[str | None]  # "ok", a cause, or None (no expectation)
    kinds: list[str]  # start | client | link
    predicted: list[Verdict] | None = None  # for live runs: the prediction, row by row
    notes: list[str] = field(default_factory=list)

    def mismatches(self) -> list[str]:
        out = []
        for i, (v, exp) in enumerate(zip(self.verdicts, self.expected, strict=False), 1):
            if exp is None:
                continue
            ok = exp == "ok"
            if expectation_mismatch(v, Expectation(ok, None if ok else exp)):
                got = (
                    "it works" if v.ok else f"it fails with {v.cause} at {v.stage} {v.target or ''}".rstrip()
                )
                out.append(f"row {i}, {v.from_node} -> {v.to}: expected {exp}, but {got}")
        return out

    def disagreements(self) -> list[str]:
        return [] if self.predicted is None else disagreements(self.verdicts, self.predicted)

    def to_json(self) -> list[dict]:
        out = []
        for v, exp, kind in zip(self.verdicts, self.expected, self.kinds, strict=False):
            d = v.to_dict()
            d["kind"] = kind
            d["expect"] = exp
            out.append(d)
        return out


def _expectations(topology: Topology, plan: CheckPlan, world: World) -> tuple[list[str | None], list[str]]:
    starts = [topology.expect.brokers.get(b.node) for b in world.brokers]
    clients = [c.expect for c in topology.clients]
    links_expect = topology.expect.links
    links: list[str | None]
    if links_expect == "ok":
        links = ["ok"] * len(plan.links)
    else:
        by = {(e.from_, e.to): e.expect for e in links_expect}
        links = [by.get((link.node, link.endpoint)) for link in plan.links]
    kinds = ["start"] * len(starts) + ["client"] * len(clients) + ["link"] * len(links)
    return starts + clients + links, kinds


def unknown_link_expectations(topology: Topology, plan: CheckPlan) -> list[str]:
    """`expect.links` entries that name no link of the lab (a typo, or a broker that does not run)."""
    if topology.expect.links == "ok":
        return []
    have = {(link.node, link.endpoint) for link in plan.links}
    return [
        f"expect.links: no link {e.from_} -> {e.to} in this lab (links: "
        f"{', '.join(f'{a} -> {b}' for a, b in sorted(have)) or 'none'})"
        for e in topology.expect.links
        if (e.from_, e.to) not in have
    ]


def predicted_report(r: Resolved | Topology, props: Mapping[str, Mapping[str, str]] | None = None) -> Report:
    """`netlab predict`: every row from the topology alone (`load_topology` gives `r`)."""
    r = as_resolved(r)
    topology = r.topology
    world = world_of(r, props)
    plan = plan_of(topology, world)
    verdicts = start_verdicts(world) + predict(world, plan)
    expected, kinds = _expectations(topology, plan, world)
    return Report(verdicts, expected, kinds, notes=unknown_link_expectations(topology, plan))


def live_props(lab: str, topology: Topology) -> dict[str, dict[str, str]]:
    """What each broker of a running lab runs with now: its server.properties in the lab
    directory (`netlab config ... set` edits it), else the topology's."""
    out = {}
    for node, props in topology_props(topology).items():
        path = properties_path(lab, node)
        out[node] = parse_properties(path.read_text()) if path.exists() else props
    return out


def live_report(
    lab: str,
    r: Resolved | Topology,
    prefixes: Mapping[str, list[str]],
    logs: Mapping[str, str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    python: str | None = None,
    states: Mapping[str, str] | None = None,
    props: Mapping[str, Mapping[str, str]] | None = None,
    runner=check,
) -> Report:
    """Run every row inside the lab. `logs`: node -> the broker's log since its last start
    (Kafka's start message); `states`: node -> its process state (default: read from the lab);
    `props`: node -> the broker's settings (default: read from the lab directory);
    `runner`: check itself, or one with its signature (capture/rows.py: one row at a time, captured)."""
    r = as_resolved(r)
    topology = r.topology
    props = live_props(lab, topology) if props is None else props
    predicted_world = world_of(r, props)
    plan = plan_of(topology, predicted_world)
    states = broker_states(lab, r) if states is None else states
    # explain the live rows with the brokers as they really are (a broker that did not start
    # takes no connection, whatever the rules predicted; one that runs takes them)
    errors = {}
    for node in props:
        error = start_error_from_log(logs.get(node, ""))
        state = states.get(node, "running")
        if error is None and state != "running":
            error = f"the broker process is not running ({state}; netlab logs {lab} {node} shows why)"
        errors[node] = error
    world = world_of(r, props, errors)
    verdicts = start_verdicts(world) + runner(
        world, plan, dict(prefixes), timeout=timeout, python=python or sys.executable
    )
    predicted = start_verdicts(predicted_world) + predict(predicted_world, plan)
    expected, kinds = _expectations(topology, plan, predicted_world)
    return Report(verdicts, expected, kinds, predicted, notes=unknown_link_expectations(topology, plan))


def broker_logs(lab: str, r: Resolved | Topology) -> dict[str, str]:
    """node -> the text of its broker's log in the lab directory."""
    topology = r.topology if isinstance(r, Resolved) else r
    paths = lab_paths(lab)
    out = {}
    for node in topology_props(topology):
        log: Path = paths.process(node, BROKER_PROCESS).logfile
        out[node] = current_run(log.read_text(errors="replace")) if log.exists() else ""
    return out


def broker_states(lab: str, r: Resolved | Topology) -> dict[str, str]:
    """node -> the state of its broker process (running, exited, killed, not-started)."""
    topology = r.topology if isinstance(r, Resolved) else r
    paths = lab_paths(lab)
    return {
        node: processes.state(paths.process(node, BROKER_PROCESS)).state for node in topology_props(topology)
    }
