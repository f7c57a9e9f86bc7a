"""`netlab check --docker`: the verdict matrix of a running compose project, as it is.

The project is read from the engine (project.py), seen as a netlab topology (to_topology.py),
and every row is run with the machine's real clients inside the container it starts from
(enter.py) or on the Docker host. The rows, causes and fixes are netlab check's own
(netlab.kafka.lab_report): the same world model explains what the real clients saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import yaml

from netlab.kafka.lab_report import Report, live_report, topology_props
from netlab.kafka.verdicts import check
from netlab.topology import loads_topology
from netlab.topology.models import Topology

from .enter import ContainerGone, container_prefix, host_prefix
from .project import Container, Project
from .to_topology import Imported

LOG_TAIL_LINES = 2000  # a broker's start message is near its beginning; bounded either way


def imported_topology(imported: Imported) -> Topology:
    """The imported topology through netlab's own loader (so it is valid, or a located error)."""
    return loads_topology(topology_yaml(imported), f"docker project {imported.topology['lab']}").topology


def topology_yaml(imported: Imported) -> str:
    return yaml.safe_dump(imported.topology, sort_keys=False, default_flow_style=False, width=110)


def docker_report(client, project: Project, imported: Imported, *, timeout: float) -> Report:
    """The generated rows of an imported project (`netlab check --docker`)."""
    return topology_report(
        client, project, imported_topology(imported), imported.nodes, imported.host, timeout=timeout
    )


def topology_report(
    client,
    project: Project,
    topology: Topology,
    nodes: Mapping[str, Container],
    host: str,
    *,
    timeout: float,
    runner=check,
) -> Report:
    """The rows of `topology` run on the project's containers: node -> container in `nodes`,
    `host` the node that is the Docker host. Brokers run with the settings the topology gives.
    `runner`: netlab.kafka.verdicts.check, or one with its signature (as live_report takes)."""
    # Docker runs nothing in a stopped container (a broker that failed to start takes its
    # container with it, unlike a lab node): rows from one are left out, and said so
    stopped = {node for node, c in nodes.items() if not c.running}
    if stopped:
        kept = [c for c in topology.clients if c.node not in stopped]
        topology = topology.model_copy(update={"clients": kept})
    prefixes = {
        node: container_prefix(c, project.engine_pid) for node, c in nodes.items() if node not in stopped
    }
    prefixes[host] = host_prefix(project.engine_pid)
    props = topology_props(topology)
    began = datetime.now(UTC)
    logs, states = {}, {}
    for node in props:
        c = nodes[node]
        states[node] = "running" if c.running else c.state
        logs[node] = _log(client, c.id)
    report = live_report(
        topology.lab, topology, prefixes, logs, timeout=timeout, states=states, props=props, runner=runner
    )
    # rows run in (and against) containers as they were when the check began: one that stopped
    # or restarted meanwhile makes every row a guess, so the check is an error, not a result
    require_unchanged(client, {n: c for n, c in nodes.items() if n not in stopped}, began)
    report.notes.extend(
        f"rows from {node} not run: its container {nodes[node].name} is {nodes[node].state} "
        "(Docker runs nothing in a stopped container)"
        for node in sorted(stopped)
    )
    return report


def require_unchanged(client, running: Mapping[str, Container], began: datetime) -> None:
    """ContainerGone (exit 2) naming the first container of `running` (node -> the container as
    it ran when the check began) that stopped, restarted or was removed since, and when."""
    from docker.errors import NotFound

    since = f"the check began at {began:%H:%M:%S} UTC"
    for node, c in sorted(running.items()):
        try:
            state = client.api.inspect_container(c.id).get("State") or {}
        except NotFound:
            raise ContainerGone(
                f"container {c.name} (node {node}) was removed during the check ({since}); its rows "
                "are not results: check again"
            ) from None
        except OSError as exc:  # requests' errors are OSErrors: the engine stopped answering
            raise ContainerGone(
                f"the Docker engine stopped answering during the check ({since}): {exc}"
            ) from None
        if state.get("Running") and str(state.get("StartedAt") or "") == c.started_at:
            continue
        if state.get("Running"):
            when = f"restarted at {_clock(state.get('StartedAt'))}"
        else:
            when = (
                f"{state.get('Status', 'stopped')} at {_clock(state.get('FinishedAt'))} "
                f"with exit code {state.get('ExitCode')}"
            )
        raise ContainerGone(
            f"container {c.name} (node {node}) stopped during the check: it ran when {since}, then "
            f"{when} (as Docker reports it); its rows are not results: start it, then check again"
        )


def _clock(stamp) -> str:
    """Docker's RFC 3339 time (nanoseconds) as HH:MM:SS UTC."""
    text = str(stamp or "")
    return f"{text[11:19]} UTC" if len(text) >= 19 else "an unknown time"


def _log(client, container_id: str) -> str:
    from docker.errors import NotFound

    try:
        raw = client.containers.get(container_id).logs(tail=LOG_TAIL_LINES)
    except NotFound:
        return ""
    return raw.decode(errors="replace")
