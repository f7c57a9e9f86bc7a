"""Pids an engine reports, as this machine's /proc knows them.

An engine netlab starts runs in a PID namespace of its own (engine.py), so the pid Docker gives
for a container's init (`State.Pid`) counts in that namespace. The same process in our /proc is
the one whose `NSpid` line lists that pid one level down and which descends from the engine.
For an engine in our own PID namespace (the machine's dockerd) the pids are the same.
"""

from __future__ import annotations

import os
from pathlib import Path

MAX_DEPTH = 8  # container init -> shim -> dockerd (pid 1 of the engine's namespace) -> ...


def same_pid_namespace(pid: int) -> bool:
    try:
        return os.stat(f"/proc/{pid}/ns/pid").st_ino == os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return True


def _status(pid: int | str) -> dict[str, str]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            out[key] = value.strip()
    except OSError:
        pass
    return out


def _descends_from(pid: int, ancestor: int) -> bool:
    for _ in range(MAX_DEPTH):
        if pid == ancestor:
            return True
        ppid = int(_status(pid).get("PPid", "0") or 0)
        if ppid <= 1:
            return False
        pid = ppid
    return False


def outer_pid(engine_pid: int | None, inner: int) -> int:
    """Our pid of the process the engine (dockerd, our pid `engine_pid`) calls `inner`; 0 if none."""
    if inner <= 0 or engine_pid is None or same_pid_namespace(engine_pid):
        return inner
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        levels = _status(entry.name).get("NSpid", "").split()
        if len(levels) >= 2 and levels[1] == str(inner) and _descends_from(int(entry.name), engine_pid):
            return int(entry.name)
    return 0
