"""Where a lab's broker keeps its files, and what its log and properties say (pure: no kernel, no
steps). netlab/brokers.py plans the broker processes from these; `netlab predict` and the live
report read them without importing the kernel side.

    /run/netlab/<lab>/brokers/<node>/server.properties   what the broker runs with
    /run/netlab/<lab>/brokers/<node>/data/                log.dirs (unless the topology sets it)
"""

from __future__ import annotations

from pathlib import Path

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
