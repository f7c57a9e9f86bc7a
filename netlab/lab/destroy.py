"""Destroy a lab from its journal alone (no topology file needed).

Order: stop the lab's processes (SIGTERM, bounded wait, SIGKILL; only pids whose recorded
start time still matches), then any other process still inside one of its namespaces
(matched by namespace inode), delete its namespaces by exact name (their veths, bridges, taps,
vxlans die with them), remove the /etc/netns/<netns>/ directories it wrote, then the lab
directory. Everything the journal names is treated as "may exist", so this works after a
kill -9 of `up` half way, after a process died, and when run twice.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from netlab.kernel import hostsfiles, nsfs, processes
from netlab.lab.journal import NOT_OURS, read_journal_records
from netlab.lab.paths import LabPaths, lab_paths


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


def _recorded(paths: LabPaths) -> list[dict]:
    records = read_journal_records(paths.journal)
    if not records and paths.plan.exists():  # journal lost: the plan is a superset of what exists
        try:
            records = json.loads(paths.plan.read_text()).get("steps") or []
        except ValueError:
            records = []
    return records


def destroy(lab: str) -> Destroyed:
    paths = lab_paths(lab)
    result = Destroyed(lab, paths.root.exists())
    if not result.existed:
        return result
    records = _recorded(paths)
    foreign = {r.get("netns") for r in records if r["kind"] == NOT_OURS}
    netns = [
        r["netns"] for r in records if r["kind"] == "netns" and r.get("netns") and r["netns"] not in foreign
    ]
    etc_dirs = [
        r["netns"] for r in records if r["kind"] == "hosts" and r.get("netns") and r["netns"] not in foreign
    ]

    pidfiles = {
        paths.process(r["node"], r["name"]).pidfile
        for r in records
        if r["kind"] == "process" and r.get("node") and r.get("name")
    }
    if paths.pids.is_dir():
        pidfiles |= set(paths.pids.glob("*.pid"))
    result.processes_stopped = sum(
        1 for p in pidfiles if (rec := processes.read_pidfile(p)) and processes.alive(*rec)
    )
    result.processes_killed = processes.stop_many(sorted(pidfiles))
    # Anything else still running inside the lab's nodes (a process `up` started but was
    # killed before recording, a `netlab exec` left behind) goes too, as with `docker rm -f`.
    residents = processes.pids_in_netns([nsfs.netns_path(ns) for ns in netns])
    if residents:
        result.processes_stopped += len(residents)
        result.processes_killed += processes.stop_pids(residents)

    # /etc/netns removal is slow on a disk-backed /etc; overlap it with the namespaces'.
    with ThreadPoolExecutor(max_workers=4) as pool:
        removed_etc = pool.map(lambda ns: ns if hostsfiles.remove_netns_etc(ns) else None, etc_dirs)
        result.namespaces = [ns for ns in netns if nsfs.remove(ns)]
        result.etc_dirs = [ns for ns in removed_etc if ns]
    shutil.rmtree(paths.root, ignore_errors=True)
    return result
