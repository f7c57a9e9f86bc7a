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

from netlab.errors import NetlabError

from .project import Container

_BIND_AND_EXEC = 'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && shift 2 && exec "$@"'


class ContainerGone(NetlabError):
    """A container stopped (or was removed) while netlab was using it."""

    exit_code = 2


def container_prefix(c: Container) -> list[str]:
    """argv prefix that runs a command in container `c` with its own name resolution."""
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


def host_prefix(engine_pid: int | None) -> list[str]:
    """argv prefix for "on the Docker host": nothing when the engine shares our network
    namespace; `ip netns exec NAME` when it runs in a named namespace (a lab node: its
    /etc/netns/NAME files are its name resolution); else nsenter into the engine's namespace."""
    if engine_pid is None:
        return []
    theirs = Path(f"/proc/{engine_pid}/ns/net")
    try:
        inode = os.stat(theirs).st_ino
        if inode == os.stat("/proc/self/ns/net").st_ino:
            return []
    except OSError:
        return []
    for named in sorted(Path("/run/netns").glob("*")) if Path("/run/netns").is_dir() else ():
        try:
            if os.stat(named).st_ino == inode:
                return ["ip", "netns", "exec", named.name]
        except OSError:
            continue
    return ["nsenter", f"--net={theirs}", "--"]
