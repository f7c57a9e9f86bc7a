"""Helpers of the lab tests, importable by name (`from labtools import ...`): a module called
`conftest` is ambiguous when several test directories have one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from netlab import lab as labapi
from netlab.kernel import nsfs
from netlab.resources import Plan

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "topologies" / "examples"
NETLAB = [sys.executable, "-m", "netlab"]


def leftovers(lab: str) -> list[str]:
    """Anything of `lab` still on the machine: namespaces, /etc/netns dirs, state dir."""
    prefix = f"netlab-{lab}-"
    found = [f"/run/netns/{n}" for n in nsfs.list_names() if n.startswith(prefix)]
    if os.path.isdir("/etc/netns"):
        found += [f"/etc/netns/{n}" for n in os.listdir("/etc/netns") if n.startswith(prefix)]
    if (labapi.RUN_DIR / lab).exists():
        found.append(str(labapi.RUN_DIR / lab))
    return found


def pids_alive(pids: list[tuple[int, int]]) -> list[int]:
    from netlab.kernel.processes import alive

    return [pid for pid, start in pids if alive(pid, start)]


def topology_plan(example: str, lab: str) -> Plan:
    """Compile an example topology under a unique lab name (so tests never collide)."""
    from netlab.plan import compile_plan
    from netlab.topology import loads_topology

    path = EXAMPLES / example if not str(example).startswith("/") else Path(example)
    text = path.read_text()
    lines = [f"lab: {lab}" if line.startswith("lab:") else line for line in text.splitlines()]
    return compile_plan(loads_topology("\n".join(lines) + "\n", str(path)))


def run_cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, COLUMNS="300")
    full_env.update(env or {})
    return subprocess.run(
        [*NETLAB, *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=REPO
    )
