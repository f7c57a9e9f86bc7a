"""Long-running processes inside nodes: start, state, stop — safe against recycled pids.

A process is started with `launcher.node_prefix` (own UTS namespace, `ip netns exec`) in a
shell that sets the node's hostname, runs it and writes its exit code to EXITFILE, in
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from netlab.kernel import launcher

# $0 = exit file, $1 = hostname, then the command (not exec'd: the shell records its exit code)
_WRAPPER = 'hostname "$1" || exit 125; shift; "$@"; echo $? > "$0"'
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


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, process group, start time) of `pid`, or None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    rest = data[data.rindex(b")") + 2 :].split()
    return rest[0].decode(), int(rest[2]), int(rest[19])


def proc_starttime(pid: int) -> int | None:
    """Start time of `pid`; None if it is gone or a zombie."""
    st = _stat(pid)
    if st is None or st[0] in ("Z", "X"):
        return None
    return st[2]


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
    old_umask = os.umask(0o077)  # lab state is private: pid, exit and log files 0600 (so are the child's)
    try:
        return _start(files, netns, node, argv, env, cwd)
    finally:
        os.umask(old_umask)


def _start(
    files: ProcFiles,
    netns: str,
    node: str,
    argv: Sequence[str],
    env: Mapping[str, str] | None,
    cwd: str | None,
) -> int:
    for path in (files.pidfile, files.exitfile, files.logfile):
        path.parent.mkdir(parents=True, exist_ok=True)
    files.exitfile.unlink(missing_ok=True)
    wrapped = [*launcher.node_prefix(netns), "/bin/sh", "-c", _WRAPPER, str(files.exitfile), node, *argv]
    with open(files.logfile, "ab") as log:
        proc = subprocess.Popen(
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


def _owns_group(pid: int, starttime: int) -> bool:
    """Is process group `pid` still the one our launcher made?

    Yes if its leader is our process (same start time, alive or zombie), or if no process
    `pid` exists at all: the kernel never hands out a pid that is still some group's id, so
    surviving members of group `pid` are then the children our leader left behind."""
    _reap(pid)
    st = _stat(pid)
    return st is None or st[2] == starttime


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None and st[1] == pgid and st[0] not in ("Z", "X"):
                members.append(int(entry))
    return members


def stop_many(pidfiles: Sequence[Path], timeout: float = 3.0) -> list[int]:
    """SIGTERM every recorded process group still ours (leader alive, or leader gone but its
    children left); SIGKILL what is left after `timeout`. Returns the groups that needed SIGKILL.
    Recycled pids are never signalled."""
    groups: list[int] = []
    for path in pidfiles:
        recorded = read_pidfile(path)
        if recorded and _owns_group(*recorded) and (alive(*recorded) or group_members(recorded[0])):
            groups.append(recorded[0])
            _signal_group(recorded[0], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    delay = 0.002
    live = groups
    while live and time.monotonic() < deadline:
        for pid in live:
            _reap(pid)
        live = [g for g in live if group_members(g)]
        if live:
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
    for pgid in live:
        _signal_group(pgid, signal.SIGKILL)
    for _ in range(200):  # bounded wait for the kills to land
        for pid in live:
            _reap(pid)
        if not any(group_members(g) for g in live):
            break
        time.sleep(0.01)
    return live


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def pids_in_netns(netns_paths: Sequence[str]) -> list[tuple[int, int]]:
    """(pid, start time) of every live process whose network namespace is one of these
    (compared by device and inode, exactly — no name patterns)."""
    wanted = set()
    for path in netns_paths:
        try:
            st = os.stat(path)
            wanted.add((st.st_dev, st.st_ino))
        except OSError:
            pass
    found: list = []
    if not wanted:
        return found
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            st = os.stat(f"/proc/{entry}/ns/net")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in wanted:
            start = proc_starttime(int(entry))
            if start is not None:
                found.append((int(entry), start))
    return found


def stop_pids(pids: Sequence[tuple[int, int]], timeout: float = 2.0) -> list[int]:
    """SIGTERM each (pid, start time) still alive, SIGKILL after `timeout`; returns the killed."""
    live = [p for p in pids if alive(*p)]
    for pid, _start in live:
        _kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    delay = 0.002
    while live and time.monotonic() < deadline:
        live = [p for p in live if alive(*p)]
        if live:
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
    for pid, start in live:
        if alive(pid, start):
            _kill(pid, signal.SIGKILL)
    return [pid for pid, _ in live]


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
