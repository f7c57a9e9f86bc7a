"""Run a command inside a lab node the way `ip netns exec` does, as a container would see it.

`ip netns exec <netns>` (iproute2: allowed for *launching*, never for making objects) enters
the node's network namespace in a private mount namespace where every file of
/etc/netns/<netns>/ is bind-mounted over /etc (hosts, nsswitch.conf, resolv.conf) and /sys is
remounted for the namespace. Before that, the child gets its own UTS namespace whose hostname
is the node name, so `hostname` and Kafka's "empty advertised host → canonical host name" give
the node's name as inside a container; the machine's hostname is never touched.

API (used by `netlab exec/shell`, by the process launcher, later by `netlab check` to run real
Kafka clients in nodes):
- `node_argv(netns, node, argv)`     the full argv to run (unshare --uts, ip netns exec, hostname)
- `popen_in_node(netns, node, argv, **popen_kwargs)` → subprocess.Popen
- `run_in_node(netns, node, argv, **run_kwargs)`     → subprocess.CompletedProcess
- `exec_in_node(netns, node, argv, env)`             replaces the calling process (exec/shell)
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from typing import NoReturn

from netlab.kernel import nsfs

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def ip_binary() -> str:
    found = shutil.which("ip") or next(
        (p for p in ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip") if os.path.exists(p)), None
    )
    if not found:
        raise FileNotFoundError(
            "iproute2's `ip` is needed to start processes in a node (apt-get install iproute2)"
        )
    return found


def _binary(name: str, package: str) -> str:
    found = shutil.which(name) or next(
        (p for p in (f"/usr/bin/{name}", f"/bin/{name}", f"/usr/sbin/{name}") if os.path.exists(p)), None
    )
    if not found:
        raise FileNotFoundError(
            f"`{name}` is needed to start processes in a node (apt-get install {package})"
        )
    return found


def node_prefix(netns: str) -> list[str]:
    """`unshare --uts ip netns exec <netns>`: a private UTS namespace, then the node's network
    and /etc files. Binaries, not a Python pre-exec hook: forking a threaded Python process
    and running Python code in the child can deadlock."""
    return [_binary("unshare", "util-linux"), "--uts", ip_binary(), "netns", "exec", netns]


# $0 = hostname, then the command: set the node's hostname inside the new UTS namespace.
_SET_HOSTNAME = 'hostname "$0" || exit 125; exec "$@"'


def node_argv(netns: str, node: str, argv: Sequence[str]) -> list[str]:
    """The full argv that runs `argv` inside `node` (hostname = node name)."""
    return [*node_prefix(netns), "/bin/sh", "-c", _SET_HOSTNAME, node, *argv]


def node_env(node: str, extra: Mapping[str, str] | None = None, inherit: bool = False) -> dict[str, str]:
    """A container-like environment: PATH, HOME, HOSTNAME (plus the caller's if `inherit`)."""
    env = dict(os.environ) if inherit else {}
    env.setdefault("PATH", DEFAULT_PATH)
    env.setdefault("HOME", "/root")
    env.setdefault("LANG", os.environ.get("LANG", "C.UTF-8"))
    env["HOSTNAME"] = node
    if extra:
        env.update(extra)
    return env


def popen_in_node(netns: str, node: str, argv: Sequence[str], **kwargs) -> subprocess.Popen:
    kwargs.setdefault("env", node_env(node))
    return subprocess.Popen(node_argv(netns, node, argv), **kwargs)


def run_in_node(netns: str, node: str, argv: Sequence[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", node_env(node))
    return subprocess.run(node_argv(netns, node, argv), **kwargs)


def exec_in_node(
    netns: str, node: str, argv: Sequence[str], env: Mapping[str, str] | None = None
) -> NoReturn:
    """Become the command (single-threaded callers only: the UTS unshare is per task)."""
    full = [ip_binary(), "netns", "exec", netns, *argv]
    nsfs.unshare_uts(node)  # in-process: the CLI is single-threaded here and exec follows
    os.execve(full[0], full, dict(env) if env is not None else node_env(node, inherit=True))
