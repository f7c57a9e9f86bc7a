"""`netlab up --engine docker FILE`: the same lab on a real Docker engine that netlab starts.

The lab is a netlab lab like any other, journaled and removed by `netlab down`: one namespace,
the node that is the Docker host, whose one process is a private dockerd (engine.py) with its
state in the lab directory. On that engine the topology becomes networks and containers
(deploy.py). The lab directory keeps the whole topology (so `check` runs its `clients:` and
`expect:`) and `docker.json` (which engine, which node is its host), which is how `check`,
`logs` and `capture` know to go through Docker. Killing the engine's process ends every
container (its PID namespace), so `down`, even after a crash, leaves nothing.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from netlab.errors import NetlabError
from netlab.kafka.lab_report import Report
from netlab.lab import apply, check_can_apply, destroy, lab_paths
from netlab.plan import compile_plan
from netlab.topology import load_topology, loads_topology
from netlab.topology.models import Topology

from .deploy import broker_nodes, deploy, docker_host_of, wait_brokers
from .engine import ENGINE_PROCESS, engine_command, log_tail, remove_cgroups, remove_cgroups_when_empty
from .enter import ContainerGone, require_local_engine
from .project import Project, connect, read_project
from .verdicts import topology_report

ENGINE_FILE = "docker.json"
ENGINE_WAIT_S = 30.0
LOG_MAX_LINES = 20_000  # `netlab logs` of a container: at most this many of its last lines


@dataclass
class DockerLab:
    lab: str
    host: str
    socket: Path
    brokers: dict[str, str]  # node -> its log at start

    def to_dict(self) -> dict:
        return {"engine": "docker", "host": self.host, "socket": str(self.socket)}


def engine_root(lab: str) -> Path:
    return lab_paths(lab).root / "docker"


def forget_engine(lab: str) -> list[str]:
    """After `destroy(lab)`: remove the cgroups the lab's engine made (by their exact name);
    returns those still in use."""
    return remove_cgroups_when_empty(engine_root(lab))


def is_docker_lab(lab: str) -> bool:
    return (lab_paths(lab).root / ENGINE_FILE).exists()


def _host_only(topology: Topology, host: str) -> str:
    """The namespace part of the lab: the Docker host and its engine, nothing else."""
    root = engine_root(topology.lab)
    return yaml.safe_dump(
        {
            "lab": topology.lab,
            "description": f"Docker host of lab {topology.lab} (netlab up --engine docker)",
            "nodes": {host: {"processes": [{"name": ENGINE_PROCESS, "command": engine_command(root)}]}},
        },
        sort_keys=False,
    )


def up_docker(path: Path) -> DockerLab:
    resolved = load_topology(path)
    topology = resolved.topology
    host = docker_host_of(topology, resolved)
    plan = compile_plan(loads_topology(_host_only(topology, host), str(path)))
    check_can_apply(plan)
    paths = apply(plan, topology_text=Path(path).read_text())
    try:
        socket = engine_root(topology.lab) / "docker.sock"
        client = _wait_engine(socket, paths.process(host, ENGINE_PROCESS).logfile)
        try:
            deployed = deploy(client, topology, resolved)
            logs = wait_brokers(client, deployed, broker_nodes(topology))
        finally:
            client.close()
        lab = DockerLab(topology.lab, host, socket, logs)
        (paths.root / ENGINE_FILE).write_text(json.dumps(lab.to_dict()))
        return lab
    except BaseException:
        destroy(topology.lab)  # nothing half built: the engine's end takes every container with it
        remove_cgroups(engine_root(topology.lab))  # what a killed engine leaves in the cgroup trees
        raise


def _wait_engine(socket: Path, log: Path):
    """A client of the lab's engine once it answers; NetlabError with its log's end if it does not."""
    deadline = time.monotonic() + ENGINE_WAIT_S
    last: Exception | None = None
    while time.monotonic() < deadline:
        if socket.exists():
            try:
                return connect(f"unix://{socket}")
            except NetlabError as exc:
                last = exc
        time.sleep(0.1)
    raise NetlabError(
        f"the lab's dockerd did not answer within {ENGINE_WAIT_S:g} s ({last or 'no socket'}); "
        f"its log ends: {log_tail(log)}"
    )


def _engine(lab: str) -> tuple[dict, object]:
    info = json.loads((lab_paths(lab).root / ENGINE_FILE).read_text())
    return info, connect(f"unix://{info['socket']}")


def lab_project(lab: str) -> tuple[dict, object, Project]:
    info, client = _engine(lab)
    return info, client, read_project(client, lab, f"unix://{info['socket']}")


def docker_lab_report(lab: str, topology: Topology, *, timeout: float) -> Report:
    """`netlab check <lab>` of a lab on the Docker engine: its own rows, run in its containers."""
    info, client, project = lab_project(lab)
    try:
        nodes = {c.service: c for c in project.containers}
        return topology_report(client, project, topology, nodes, info["host"], timeout=timeout)
    finally:
        client.close()  # type: ignore[attr-defined]


def container_log(lab: str, node: str, tail: int | None = None) -> str:
    """A node's output (its broker's log) as `docker logs` gives it: the last `tail` lines, at most
    LOG_MAX_LINES (the engine sends the whole log otherwise, however long it grew)."""
    _info, client, project = lab_project(lab)
    try:
        c = project.container(node)
        ctr = client.containers.get(c.id)  # type: ignore[attr-defined]
        return ctr.logs(tail=min(tail or LOG_MAX_LINES, LOG_MAX_LINES)).decode(errors="replace")
    finally:
        client.close()  # type: ignore[attr-defined]


def container_netns(lab: str, node: str) -> str:
    """The network namespace of a node's container (/proc/<pid>/ns/net), for capture."""
    _info, client, project = lab_project(lab)
    client.close()  # type: ignore[attr-defined]
    require_local_engine(project.engine_pid)
    c = project.container(node)
    if not c.running:
        raise ContainerGone(f"container {c.name} is not running ({c.state})")
    return f"/proc/{c.pid}/ns/net"
