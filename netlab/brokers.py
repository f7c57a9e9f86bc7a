"""Brokers in nodes, as planned: a node's `broker:` block becomes a server.properties in the lab
directory and a `python -m broker <file>` process inside the node (role 'broker'). Pure: the
running side (waiting for a start, restarting) is netlab/lab/brokers.py.

    /run/netlab/<lab>/brokers/<node>/server.properties   what the broker runs with
    /run/netlab/<lab>/brokers/<node>/data/                log.dirs (unless the topology sets it)

The properties are the topology's merge (properties < KAFKA_* < KAFKA_CFG_*, as the broker merges
a file and its environment); the broker is started with --no-env so the file is the whole truth
and `netlab config` shows exactly what runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from netlab.kafka.broker_log import STARTED_MARKS
from netlab.resources import Process
from netlab.rundir import RUN_DIR
from netlab.topology.kafka_fields import broker_properties
from netlab.topology.models import Topology

BROKER_PROCESS = "broker"
# `netlab restart` appends this line to the process log; what came before is an earlier run
RESTART_MARK = "----- netlab restart -----"


def broker_dir(lab: str, node: str) -> Path:
    return RUN_DIR / lab / "brokers" / node  # under lab_paths(lab).root


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


def needs_registration(props: dict[str, str]) -> bool:
    """A KRaft node with the broker role only registers with a controller elsewhere before the
    cluster lists it (Metadata omits unregistered brokers); a combined node registers itself,
    unless there are several voters: then it registers with the elected leader like any broker."""
    roles = {r.strip().lower() for r in props.get("process.roles", "").split(",") if r.strip()}
    voters = [v for v in props.get("controller.quorum.voters", "").split(",") if v.strip()]
    return roles == {"broker"} or ("broker" in roles and len(voters) > 1)
