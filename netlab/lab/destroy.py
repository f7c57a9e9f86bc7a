"""Destroy a lab from its journal alone (no topology file needed).

Order: stop the lab's processes (SIGTERM, bounded wait, SIGKILL; only pids whose recorded
start time still matches), delete its namespaces by exact name (their veths, bridges, taps,
vxlans die with them), remove the /etc/netns/<netns>/ directories it wrote, then the lab
directory. Everything the journal names is treated as "may exist", so this works after a
kill -9 of `up` half way, after a process died, and when run twice.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

from netlab.kernel import hostsfiles, nsfs, processes
from netlab.lab.journal import read_journal
from netlab.lab.paths import LabPaths, lab_paths
from netlab.lab.planfile import read_plan
from netlab.resources import HostsFile, Namespace, Process, Step


@dataclass
class Destroyed:
    lab: str
    existed: bool
    processes_stopped: int = 0
    processes_killed: list[int] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    etc_dirs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _recorded_steps(paths: LabPaths) -> list[Step]:
    steps = read_journal(paths.journal)
    if not steps and paths.plan.exists():  # journal lost: the plan is a superset of what exists
        try:
            steps = list(read_plan(paths.plan).steps)
        except (ValueError, KeyError):
            steps = []
    return steps


def destroy(lab: str) -> Destroyed:
    paths = lab_paths(lab)
    result = Destroyed(lab, paths.root.exists())
    if not result.existed:
        return result
    steps = _recorded_steps(paths)

    pidfiles = {paths.process(s.node, s.name).pidfile for s in steps if isinstance(s, Process)}
    if paths.pids.is_dir():
        pidfiles |= set(paths.pids.glob("*.pid"))
    result.processes_stopped = sum(1 for p in pidfiles if (rec := processes.read_pidfile(p)) and processes.alive(*rec))
    result.processes_killed = processes.stop_many(sorted(pidfiles))

    for step in steps:
        if isinstance(step, Namespace) and nsfs.remove(step.netns):
            result.namespaces.append(step.netns)
        elif isinstance(step, HostsFile) and hostsfiles.remove_netns_etc(step.netns):
            result.etc_dirs.append(step.netns)
    shutil.rmtree(paths.root, ignore_errors=True)
    return result
