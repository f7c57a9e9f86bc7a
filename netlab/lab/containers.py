"""A running lab's containers follow their main process, as Docker's do.

When a container's broker is not running (it refused to start, or it ended), Docker has
stopped that container and withdrawn its names and published ports (netlab/containers.py says
which nodes are containers and cites Docker's code). `reconcile(lab)` makes the lab match:
every node's hosts file without the stopped containers' names, and each publishing node's port
proxy restarted with only the forwards of running containers. A container whose broker runs
again (`netlab restart`, `netlab config ... set`) gets both back. It runs each time netlab waited
for brokers to start (`netlab up`, a restart: netlab/lab/brokers.py `wait_started`) and before
`netlab check` runs its rows (a broker may have ended since); it changes nothing when the set
of stopped containers is as last recorded (`containers.json` in the lab directory).
"""

from __future__ import annotations

import dataclasses
import json

from netlab.brokers import RESTART_MARK, current_run
from netlab.containers import kept_ports, stopped_containers
from netlab.errors import NetlabError
from netlab.kafka.broker_log import start_error_from_log
from netlab.kernel import hostsfiles, processes
from netlab.lab.apply import READY_MARK, READY_TIMEOUT
from netlab.lab.launch import launch
from netlab.lab.logfile import read_tail
from netlab.lab.state import LabState, load_lab
from netlab.names import HostsIndex, hosts_entries
from netlab.polling import poll_until
from netlab.resources import HostsFile, Namespace, Process
from netlab.topology import load_topology
from netlab.topology.view import Resolved

STATE_FILE = "containers.json"
MAX_STATE_BYTES = 1 << 20  # node -> one error line each; a lab has at most a few thousand nodes
PROXY_ROLE = "port-proxy"
PROXY_MODULE = "netlab.relays.portproxy"


def broker_errors(state: LabState) -> dict[str, str | None]:
    """node -> why its broker is not running (Kafka's message when it logged one), None if it runs."""
    out: dict[str, str | None] = {}
    for step in state.process_steps:
        if step.role != "broker":
            continue
        files = state.paths.process(step.node, step.name)
        st = processes.state(files)
        if st.state in ("running", "not-started"):
            out[step.node] = None
            continue
        log = current_run("\n".join(read_tail(files.logfile).lines))  # Kafka's last words, bounded
        out[step.node] = start_error_from_log(log) or f"the broker process is {st.state}"
    return out


def reconcile(lab: str) -> dict[str, str]:
    """Withdraw (or give back) the names and published ports of the lab's containers whose broker
    is not running; returns node -> why, for each stopped container."""
    state = load_lab(lab)
    errors = broker_errors(state)
    if not errors or not state.paths.topology.exists():
        return {}
    r = load_topology(state.paths.topology)  # the lab's copy, read bounded as any topology file
    stopped = stopped_containers(r, errors)
    before = _recorded(state)
    if stopped == before:
        return stopped
    _write_hosts(state, r, stopped)
    for step in state.process_steps:
        if step.role == PROXY_ROLE and _specs(r, step.node, before) != _specs(r, step.node, stopped):
            _restart_proxy(state, step, _specs(r, step.node, stopped))
    _record(state, stopped)
    return stopped


def _specs(r: Resolved, publisher: str, stopped: dict[str, str]) -> list[str]:
    return [p.spec for p in kept_ports(r, stopped) if p.publisher == publisher]


def _write_hosts(state: LabState, r: Resolved, stopped: dict[str, str]) -> None:
    node_of = {s.netns: s.node for s in state.plan.of_kind(Namespace)}
    index = HostsIndex(r, withdrawn=stopped)
    for step in state.plan.of_kind(HostsFile):
        hostsfiles.write_netns_etc(step.netns, hosts_entries(r, node_of[step.netns], index))


def _restart_proxy(state: LabState, step: Process, specs: list[str]) -> None:
    """The publishing node's port proxy with only `specs` (none: it stays stopped, as a host
    whose every published port was unmapped has no docker-proxy left)."""
    files = state.paths.process(step.node, step.name)
    processes.stop_many([files.pidfile])
    if not specs:
        return
    prefix = step.argv[: step.argv.index(PROXY_MODULE) + 1]  # python -m netlab.relays.portproxy
    with open(files.logfile, "a") as fh:
        fh.write(f"{RESTART_MARK}\n")
    launch(state.paths, dataclasses.replace(step, argv=(*prefix, *specs)))

    def ready() -> bool | None:
        log = current_run("\n".join(read_tail(files.logfile).lines))
        if READY_MARK.decode() in log:
            return True
        if processes.state(files).state != "running":
            raise NetlabError(f"port proxy of {step.node} ended at restart: {log.strip()[-300:]}")
        return None

    poll_until(ready, READY_TIMEOUT)


def stopped_now(lab: str) -> dict[str, str]:
    """The lab's stopped containers as `reconcile` last left them: node -> why."""
    return _recorded(load_lab(lab))


def _recorded(state: LabState) -> dict[str, str]:
    path = state.paths.root / STATE_FILE
    if not path.exists():
        return {}
    with open(path, "rb") as fh:
        data = json.loads(fh.read(MAX_STATE_BYTES) or b"{}")
    return dict(data.get("stopped") or {})


def _record(state: LabState, stopped: dict[str, str]) -> None:
    path = state.paths.root / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"stopped": stopped}, indent=1, sort_keys=True))
    tmp.replace(path)
