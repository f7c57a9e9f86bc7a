"""Long-running processes inside nodes: start, state, stop — safe against recycled pids.

A process is started through `launcher` wrapped in `/bin/sh -c '"$@"; echo $? > EXITFILE'`, in
its own session (so its process group is its pid), with stdout+stderr appended to its log.
The pid file holds "<pid> <starttime>" (starttime = field 22 of /proc/<pid>/stat, clock ticks
since boot), so a pid reused by an unrelated process is never signalled. When the command ends
by itself the shell writes its exit code; `state` reads /proc and that file, never the plan.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from netlab.kernel import launcher

_WRAPPER = '"$@"; echo $? > "$0"'
_children: dict[int, subprocess.Popen] = {}  # processes this Python process started (to reap)


@dataclass(frozen=True)
class ProcFiles:
    pidfile: Path
    exitfile: Path
    logfile: Path


@dataclass(frozen=True)
class ProcState:
    state: str  # running | exited | killed | not-started
    pid: int | None = None
    exit_code: int | None = None

    def to_dict(self) -> dict:
        return {"state": self.state, "pid": self.pid, "exit_code": self.exit_code}


def proc_starttime(pid: int) -> int | None:
    """Start time of `pid` and None if it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    rest = data[data.rindex(b")") + 2 :].split()
    if rest[0] in (b"Z", b"X"):
        return None
    return int(rest[19])


def read_pidfile(path: Path) -> tuple[int, int] | None:
    try:
        pid, start = path.read_text().split()
        return int(pid), int(start)
    except (FileNotFoundError, ValueError):
        return None


def alive(pid: int, starttime: int) -> bool:
    _reap(pid)
    return proc_starttime(pid) == starttime


def _reap(pid: int) -> None:
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        _children.pop(pid, None)


def start(
    files: ProcFiles,
    netns: str,
    node: str,
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> int:
    for path in (files.pidfile, files.exitfile, files.logfile):
        path.parent.mkdir(parents=True, exist_ok=True)
    files.exitfile.unlink(missing_ok=True)
    wrapped = ["/bin/sh", "-c", _WRAPPER, str(files.exitfile), *argv]
    with open(files.logfile, "ab") as log:
        proc = launcher.popen_in_node(
            netns,
            node,
            wrapped,
            env=launcher.node_env(node, env),
            cwd=cwd or "/",
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _children[proc.pid] = proc
    starttime = proc_starttime(proc.pid)
    if starttime is None:  # gone already: still record it so state() can tell
        starttime = 0
    tmp = files.pidfile.with_suffix(".tmp")
    tmp.write_text(f"{proc.pid} {starttime}\n")
    os.replace(tmp, files.pidfile)
    return proc.pid


def state(files: ProcFiles) -> ProcState:
    recorded = read_pidfile(files.pidfile)
    if recorded is None:
        return ProcState("not-started")
    pid, starttime = recorded
    if alive(pid, starttime):
        return ProcState("running", pid)
    try:
        return ProcState("exited", pid, int(files.exitfile.read_text().strip()))
    except (FileNotFoundError, ValueError):
        return ProcState("killed", pid)


def stop_many(pidfiles: Sequence[Path], timeout: float = 3.0) -> list[int]:
    """SIGTERM every recorded, still-running process group; SIGKILL what is left after
    `timeout`. Returns the pids that had to be killed. Missing/dead/recycled pids are skipped."""
    live: list[tuple[int, int]] = []
    for path in pidfiles:
        recorded = read_pidfile(path)
        if recorded and alive(*recorded):
            live.append(recorded)
            _signal_group(recorded[0], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    delay = 0.002
    while live and time.monotonic() < deadline:
        live = [p for p in live if alive(*p)]
        if live:
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
    killed = []
    for pid, starttime in live:
        if alive(pid, starttime):
            _signal_group(pid, signal.SIGKILL)
            killed.append(pid)
    for pid, starttime in live:  # bounded wait for the kill to land
        for _ in range(100):
            if not alive(pid, starttime):
                break
            time.sleep(0.01)
    return killed


def _signal_group(pid: int, sig: int) -> None:
    """Signal the process group the launcher made (pgid == pid), else the pid alone."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass
