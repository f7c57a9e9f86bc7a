"""Run a program *as if inside* a running container, without installing anything into it.

The program (the probe, kcat, a Python client) is the machine's own. It runs in the container's
network and UTS namespaces (found through the container's init process, /proc/<pid>/ns/*), and
in a private mount namespace where the container's own resolv.conf (pointing at Docker's
embedded DNS, 127.0.0.11) and hosts file are bind-mounted over /etc, the way `ip netns exec`
bind-mounts /etc/netns/<ns>/*. So it resolves and connects exactly as a process of the container
does. The mount namespace ends with the program; nothing of the container or of the machine is
changed.
"""

from __future__ import annotations

import os
from pathlib import Path

from netlab.errors import InputError, NetlabError

from .project import Container

_BIND_AND_EXEC = 'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && shift 2 && exec "$@"'


class ContainerGone(NetlabError):
    """A container stopped (or was removed) while netlab was using it."""

    exit_code = 2


def container_prefix(c: Container, engine_pid: int | None) -> list[str]:
    """argv prefix that runs a command in container `c` with its own name resolution.
    `engine_pid`: the engine's dockerd on this machine (Project.engine_pid); without one the
    container's pid means nothing here (a remote engine counts pids on another machine)."""
    require_local_engine(engine_pid)
    if not c.running or not Path(f"/proc/{c.pid}/ns/net").exists():
        raise ContainerGone(f"container {c.name} is not running ({c.state}); start it, then check again")
    for f in (c.resolv_conf, c.hosts_file):
        if not f or not Path(f).is_file():
            raise ContainerGone(f"container {c.name} has no {f or 'resolv.conf/hosts file'} on this machine")
    return [
        "nsenter",
        f"--net=/proc/{c.pid}/ns/net",
        f"--uts=/proc/{c.pid}/ns/uts",
        "--",
        "unshare",
        "--mount",
        "--propagation",
        "slave",
        "--",
        "sh",
        "-c",
        _BIND_AND_EXEC,
        "netlab-docker-enter",
        c.resolv_conf,
        c.hosts_file,
    ]


def require_local_engine(engine_pid: int | None) -> None:
    """Refuse an engine that is not a process of this machine: running anything "inside" its
    containers or "on its host" would run it here instead, in the wrong namespace."""
    if engine_pid is None:
        raise InputError(
            "the Docker engine is not on this machine (no dockerd behind a local unix socket): "
            "netlab runs clients inside containers through /proc, so DOCKER_HOST must be "
            "unix:///path/to/docker.sock of a local engine (import docker works with any engine)",
            where="--docker",
        )


def host_prefix(engine_pid: int | None) -> list[str]:
    """argv prefix for "on the Docker host": nothing when the engine shares our network
    namespace; `ip netns exec NAME` when it runs in a named namespace (a lab node: its
    /etc/netns/NAME files are its name resolution); else nsenter into the engine's namespace.
    An engine that is gone is an error, never "our namespace" (that would be the machine's)."""
    require_local_engine(engine_pid)
    theirs = Path(f"/proc/{engine_pid}/ns/net")
    try:
        inode = os.stat(theirs).st_ino
        ours = os.stat("/proc/self/ns/net").st_ino
    except OSError:
        raise ContainerGone(
            f"the Docker engine (dockerd, pid {engine_pid}) is gone; start it, then check again"
        ) from None
    if inode == ours:
        return []
    for named in sorted(Path("/run/netns").glob("*")) if Path("/run/netns").is_dir() else ():
        try:
            if os.stat(named).st_ino == inode:
                return ["ip", "netns", "exec", named.name]
        except OSError:
            continue
    return ["nsenter", f"--net={theirs}", "--"]
