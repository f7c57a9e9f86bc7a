"""Where a lab's state lives: /run/netlab/<lab>/ (tmpfs-like, gone after a reboot like the
namespaces themselves).

    journal.jsonl   one Step.to_dict() per line, written and flushed before the object exists
    plan.json       the whole compiled plan (lab, source, steps, meta) for other verbs
    topology.yaml   a copy of the source file
    logs/<node>.<name>.log   pids/<node>.<name>.pid (+ .exit)   etc/ (shell rc)

Environment (tests, unusual machines): NETLAB_RUN_DIR moves the state directory;
NETLAB_PRETEND_NOT_ROOT=1 makes root-only verbs refuse as if not root; NETLAB_FAIL_AT=kind[:n]
injects a failure just before the n-th step of that kind is created (see lab.apply).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from netlab.errors import InputError
from netlab.kernel.processes import ProcFiles
from netlab.rundir import RUN_DIR

LAB_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,31}$")  # as the topology model: no "-" (netns names)


def check_lab_name(name: str, where: str = "lab") -> str:
    if not LAB_NAME.match(name or ""):
        raise InputError(
            f"{name!r} is not a lab name: use 1-32 of a-z, 0-9 and _, starting with a letter or digit",
            where=where,
        )
    return name


@dataclass(frozen=True)
class LabPaths:
    lab: str

    @property
    def root(self) -> Path:
        return RUN_DIR / self.lab

    @property
    def journal(self) -> Path:
        return self.root / "journal.jsonl"

    @property
    def plan(self) -> Path:
        return self.root / "plan.json"

    @property
    def topology(self) -> Path:
        return self.root / "topology.yaml"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pids(self) -> Path:
        return self.root / "pids"

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    def process(self, node: str, name: str) -> ProcFiles:
        base = f"{node}.{name}"
        return ProcFiles(self.pids / f"{base}.pid", self.pids / f"{base}.exit", self.logs / f"{base}.log")


def lab_paths(lab: str) -> LabPaths:
    return LabPaths(check_lab_name(lab))
