"""Start a lab's Process step with the privileges of its role (netlab/kernel/privileges.py):
its own files handed to the user it runs as, then `processes.start` with the setpriv prefix."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from netlab.kernel import privileges, processes
from netlab.lab.paths import LabPaths
from netlab.resources import Plan, Process


def run_as(step: Process) -> privileges.RunAs:
    return privileges.policy(step.role, step.unprivileged)


def launch(paths: LabPaths, step: Process) -> int:
    """Start `step` (its files are written already); returns the pid."""
    who = run_as(step)
    if not who.privileged and privileges.code_readable():  # else it stays uid 0 (no capabilities)
        for directory in sorted({Path(p).parent for p, _ in step.files}):
            if paths.root.resolve() in directory.resolve().parents:
                privileges.hand_over(paths.root, directory)
    files = paths.process(step.node, step.name)
    argv = [*privileges.drop_argv(who), *step.argv]
    env = dict(step.env)
    if step.role != "user" and os.environ.get("PYTHONPATH"):
        # netlab's own programs (brokers, relays) run the same code as the netlab starting them
        env.setdefault("PYTHONPATH", os.environ["PYTHONPATH"])
    return processes.start(files, step.netns, step.node, argv, env, step.cwd)


def unprivileged_user_processes(plan: Plan) -> Plan:
    """`up --unprivileged`: the topology's `processes:` run as `netlab` with no capabilities."""
    steps = tuple(
        dataclasses.replace(s, unprivileged=True) if isinstance(s, Process) and s.role == "user" else s
        for s in plan.steps
    )
    return dataclasses.replace(plan, steps=steps)
