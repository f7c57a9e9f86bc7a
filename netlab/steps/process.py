"""A long-running process inside a node, started the way `ip netns exec` starts it."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from netlab.kernel import processes
from netlab.polling import poll_until
from netlab.steps.base import ApplyContext, Step, StepKind, register

PROCESS_READY_TIMEOUT = 10.0


@dataclass(frozen=True)
class Process(Step):
    """A long-running process inside a node.

    role: 'user' (topology `processes:`), 'port-proxy' (published ports), 'tap-relay',
    'tun-relay', 'broker'. Logs go to <labdir>/logs/<node>.<name>.log.
    `files`: (absolute path, text) pairs written just before the process starts (a broker's
    server.properties); they live under the lab directory, so `destroy` removes them with it.
    `ready`: see below; not reaching it is not an error (a broker that fails is a result).
    """

    kind: ClassVar[str] = "process"
    netns: str
    node: str
    name: str  # unique within the node
    argv: tuple[str, ...]
    role: str = "user"
    env: tuple[tuple[str, str], ...] = ()
    cwd: str | None = None
    files: tuple[tuple[str, str], ...] = ()
    # text the process logs once others may rely on it (a KRaft controller listening): later
    # processes start after it appears, or after the process ends, or after a bounded wait
    ready: str | None = None
    # role 'user' only: run as the unprivileged `netlab` user (`up --unprivileged`); netlab's
    # own roles always run unprivileged (netlab/kernel/privileges.py)
    unprivileged: bool = False

    @property
    def key(self) -> str:
        return f"process {self.node}/{self.name}"


@register
class ProcessKind(StepKind[Process]):
    step = Process
    lane = "process"

    def describe(self, step: Process) -> str:
        q = shlex.quote
        env = " ".join(f"{k}={q(v)}" for k, v in step.env)
        text = f"ip netns exec {step.netns} " + (f"env {env} " if env else "") + shlex.join(step.argv)
        if step.cwd:
            text = f"(cd {q(step.cwd)} && {text})"
        label = step.role if step.name == step.role else f"{step.role} {step.name}"
        written = "".join(
            f"write {path}:\n"
            + "".join(f"    {line}\n" for line in body.splitlines() if not line.startswith("#"))
            for path, body in step.files
        )
        return f"{written}{text} &    # {label}"

    def make(self, ctx: ApplyContext, step: Process) -> None:
        ctx.netns(step.netns)
        for path, text in step.files:  # under the lab directory: destroy removes them with it
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text)
        files = ctx.process_files(step.node, step.name)
        ctx.launch(step)  # with the privileges of its role (netlab/lab/launch.py)
        ctx.started(step)
        if step.ready:
            wait_mark(files, step.ready)


def wait_mark(files: processes.ProcFiles, mark: str) -> bool:
    """Until `mark` is in the process's log, the process ended, or the bounded wait is over."""

    def seen() -> bool | None:
        if files.logfile.exists() and mark.encode() in files.logfile.read_bytes():
            return True
        if processes.state(files).state != "running":
            return False
        return None

    return bool(poll_until(seen, PROCESS_READY_TIMEOUT))
