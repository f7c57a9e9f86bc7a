"""Brokers in nodes, as planned: a node's `broker:` block becomes a server.properties in the lab
directory and a `python -m broker <file>` process inside the node (role 'broker'). Pure: the
running side (waiting for a start, restarting) is netlab/lab/brokers.py.

    /run/netlab/<lab>/brokers/<node>/server.properties   what the broker runs with
    /run/netlab/<lab>/brokers/<node>/data/                log.dirs (unless the topology sets it)

The paths and the pure helpers are netlab/broker_files.py (re-exported here). The properties
are the topology's merge (properties < KAFKA_* < KAFKA_CFG_*, as the broker merges a file and
its environment); the broker is started with --no-env so the file is the whole truth
and `netlab config` shows exactly what runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from netlab.broker_files import (  # re-exported: the planning side and its pure helpers, one import
    BROKER_PROCESS,
    RESTART_MARK,
    broker_dir,
    current_run,
    format_properties,
    needs_registration,
    node_properties,
    properties_path,
)
from netlab.kafka.broker_log import STARTED_MARKS
from netlab.resources import Process
from netlab.topology.models import Topology

__all__ = [
    "BROKER_PROCESS",
    "RESTART_MARK",
    "broker_dir",
    "broker_steps",
    "current_run",
    "format_properties",
    "needs_registration",
    "node_properties",
    "properties_path",
]


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
