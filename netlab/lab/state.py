"""What a lab is now: its stored plan plus what the kernel and /proc say.

- `list_labs()` → names of labs with state under /run/netlab.
- `load_lab(name)` → LabState(plan, node→netns, processes with their live state).
- `lab_status(name)` → a JSON-ready dict for `netlab status`: nodes, interfaces with
  addresses and the network each is on, bridges with their ports, processes and their state.
- `start_process(lab, step)` / `stop_process(lab, step)` → (re)start or stop one Process step
  of a running lab (issue 7 restarts brokers with these).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from netlab.errors import InputError, NotRootError
from netlab.kernel import inspect, nsfs, processes
from netlab.lab.launch import launch
from netlab.lab.paths import LAB_NAME, RUN_DIR, LabPaths, lab_paths
from netlab.lab.planfile import read_plan
from netlab.resources import Bridge, Namespace, Plan, Process


@dataclass
class LabState:
    name: str
    paths: LabPaths
    plan: Plan

    @property
    def nodes(self) -> dict[str, str]:
        """node → netns, in plan order."""
        return {s.node: s.netns for s in self.plan.of_kind(Namespace)}

    def netns(self, node: str) -> str:
        try:
            return self.nodes[node]
        except KeyError:
            raise InputError(
                f"lab {self.name!r} has no node {node!r}; its nodes are: {', '.join(self.nodes)}",
                where="node",
            ) from None

    @property
    def process_steps(self) -> list[Process]:
        return self.plan.of_kind(Process)

    def process_state(self, step: Process) -> processes.ProcState:
        return processes.state(self.paths.process(step.node, step.name))


def require_root_to_read(name: str) -> None:
    """A lab's state is private to root (0700: it holds record contents, properties, logs);
    other users are told so instead of reading it. NETLAB_PRETEND_NOT_ROOT=1 simulates it."""
    if os.geteuid() != 0 or os.environ.get("NETLAB_PRETEND_NOT_ROOT") == "1":
        raise NotRootError(
            f"the state of lab {name!r} is private to root (it holds record contents, broker "
            "properties and logs); run the command with sudo",
            where="netlab",
        )


def list_labs() -> list[str]:
    if not RUN_DIR.is_dir():
        return []
    # every lab directory counts, even one whose `up` was killed before it wrote plan.json
    return sorted(p.name for p in RUN_DIR.iterdir() if p.is_dir() and LAB_NAME.match(p.name))


def load_lab(name: str) -> LabState:
    paths = lab_paths(name)
    require_root_to_read(name)
    if not paths.plan.exists():
        known = list_labs()
        raise InputError(
            f"no lab named {name!r} is up"
            + (f"; labs up: {', '.join(known)}" if known else "; no lab is up"),
            where="lab",
        )
    return LabState(name, paths, read_plan(paths.plan))


def _find_process(state: LabState, step_or_key: Process | str) -> Process:
    if isinstance(step_or_key, Process):
        return step_or_key
    for step in state.process_steps:
        if step_or_key in (step.key, f"{step.node}/{step.name}"):
            return step
    raise InputError(f"lab {state.name!r} has no process {step_or_key!r}", where="process")


def start_process(lab: str, step_or_key: Process | str) -> int:
    """Start (or restart after stop) one process of a running lab; returns its pid."""
    state = load_lab(lab)
    step = _find_process(state, step_or_key)
    if state.process_state(step).state == "running":
        raise InputError(f"process {step.key} of lab {lab!r} is already running", where="process")
    return launch(state.paths, step)


def stop_process(lab: str, step_or_key: Process | str, timeout: float = 3.0) -> processes.ProcState:
    state = load_lab(lab)
    step = _find_process(state, step_or_key)
    files = state.paths.process(step.node, step.name)
    processes.stop_many([files.pidfile], timeout)
    return processes.state(files)


def _iface_networks(plan: Plan) -> dict[tuple[str, str], str]:
    """(node, ifname) → network name, from plan.meta (container side) and Bridge steps."""
    result: dict[tuple[str, str], str] = {}
    for node, info in (plan.meta.get("nodes") or {}).items():
        for net, att in (info.get("networks") or {}).items():
            if att.get("ifname"):
                result[(node, att["ifname"])] = net
    node_of = {s.netns: s.node for s in plan.of_kind(Namespace)}
    for br in plan.of_kind(Bridge):
        result[(node_of.get(br.netns, br.netns), br.ifname)] = br.network
    return result


def _brokers(state: LabState) -> list[dict]:
    """Each broker: its listeners as configured now (server.properties) and whether it runs,
    with Kafka's message when it stopped."""
    from broker.properties import parse_properties
    from netlab.brokers import current_run, properties_path, start_error

    out = []
    for step in state.process_steps:
        if step.role != "broker":
            continue
        path = properties_path(state.name, step.node)
        props = parse_properties(path.read_text()) if path.exists() else {}
        st = state.process_state(step)
        log = state.paths.process(step.node, step.name).logfile
        error = None
        if st.state != "running" and log.exists():
            error = start_error(current_run(log.read_text(errors="replace")))
        out.append(
            {
                "node": step.node,
                "state": st.state,
                "listeners": props.get("listeners"),
                "advertised.listeners": props.get("advertised.listeners"),
                "process.roles": props.get("process.roles"),
                "config": str(path),
                "error": error,
            }
        )
    return out


def lab_status(name: str) -> dict:
    state = load_lab(name)
    nets = _iface_networks(state.plan)
    bridge_net = {(b.netns, b.ifname): b.network for b in state.plan.of_kind(Bridge)}
    nodes, bridges = [], []
    for node, netns in state.nodes.items():
        try:
            ifaces = inspect.interfaces(netns)
        except OSError as exc:  # not root: namespaces cannot be entered
            ifaces = []
            nodes_note = f"interfaces not readable: {exc.strerror or exc} (run as root)"
        else:
            nodes_note = None
        for iface in ifaces:
            iface["network"] = nets.get((node, iface["name"]))
            if iface["network"] is None and iface["master"]:
                iface["network"] = bridge_net.get((netns, iface["master"]))
        nodes.append(
            {
                "node": node,
                "netns": netns,
                "exists": nsfs.exists(netns),
                "interfaces": ifaces,
                "note": nodes_note,
            }
        )
        for iface in ifaces:
            if iface["kind"] == "bridge":
                bridges.append(
                    {
                        "node": node,
                        "bridge": iface["name"],
                        "network": bridge_net.get((netns, iface["name"])),
                        "addresses": iface["addresses"],
                        "ports": [i["name"] for i in ifaces if i["master"] == iface["name"]],
                    }
                )
    procs = []
    for step in state.process_steps:
        files = state.paths.process(step.node, step.name)
        procs.append(
            {
                "node": step.node,
                "name": step.name,
                "role": step.role,
                **state.process_state(step).to_dict(),
                "log": str(files.logfile),
            }
        )
    return {
        "lab": name,
        "brokers": _brokers(state),
        "source": state.plan.source,
        "state_dir": str(state.paths.root),
        "nodes": nodes,
        "bridges": bridges,
        "networks": state.plan.meta.get("networks") or {},
        "processes": procs,
    }
