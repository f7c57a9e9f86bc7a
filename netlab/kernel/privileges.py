"""Least privilege for the processes netlab runs inside nodes (issue 11; docs/security.md).

netlab itself runs as root: it makes namespaces and devices. The programs it leaves running in
the nodes do not need root, so they run as the system user `netlab` with only the capabilities
each needs and no_new_privs set (a setuid binary cannot give them back):

    role          user     capabilities          why
    broker        netlab   none                  binds its listeners, writes its own log dir
    port-proxy    netlab   CAP_NET_BIND_SERVICE  may publish ports below 1024 (like docker-proxy)
    tun-relay     netlab   none                  opens /dev/net/tun (often 0600) and its UDP socket
                                                 as root, then drops to `netlab` itself (drop_now)
    tap-relay     netlab   none                  opens its two TAPs as root (it must enter two
                                                 namespaces), then drops to `netlab` itself
    client        netlab   none                  the Kafka clients `netlab check` runs
    user          root     all                   topology `processes:` (trusted, like a compose
                                                 file's author); `up --unprivileged` → netlab, none

Without CAP_SYS_ADMIN a process cannot setns() into the machine's namespaces (EPERM), and as
`netlab` it cannot write the host's files. Dropping is done by util-linux's setpriv (in every
Debian), placed in the argv after `ip netns exec`, which still needs root.

Why a dedicated user and not `nobody`: files a broker writes (its log dir) must belong to it,
and `nobody` is shared with other daemons (NFS squashing, ...), which would then own them too.
scripts/install.sh creates `netlab`; `netlab up` creates it when missing, as dockerd creates its
`dockremap` user for user-namespace remapping.

If netlab's own code is not readable by others (a clone under /root, mode 0700), a process
running as `netlab` could not even import it: processes then stay uid 0 but still lose every
capability (so they cannot enter other namespaces either), and `up` says so.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

RUN_USER = "netlab"
PR_SET_NO_NEW_PRIVS = 38


@dataclass(frozen=True)
class RunAs:
    user: str | None  # None: stay root
    caps: tuple[str, ...] = ()  # capability names without CAP_ (setpriv spelling)

    @property
    def privileged(self) -> bool:
        return self.user is None


ROOT = RunAs(None)
ROLE_POLICY: dict[str, RunAs] = {
    "broker": RunAs(RUN_USER),
    "port-proxy": RunAs(RUN_USER, ("net_bind_service",)),
    "tun-relay": ROOT,  # drops itself once its device and socket are open (drop_now)
    "tap-relay": ROOT,  # drops itself once its TAPs are open (drop_now)
    "client": RunAs(RUN_USER),
    "user": ROOT,
}


def policy(role: str, unprivileged: bool = False) -> RunAs:
    if role == "user":
        return RunAs(RUN_USER) if unprivileged else ROOT
    return ROLE_POLICY.get(role, RunAs(RUN_USER))


class NoRunUser(RuntimeError):
    pass


def run_ids(create: bool = True) -> tuple[int, int]:
    """(uid, gid) of the `netlab` user, created as a system user if missing and `create`."""
    try:
        pw = pwd.getpwnam(RUN_USER)
        return pw.pw_uid, pw.pw_gid
    except KeyError:
        if not create:
            raise NoRunUser(f"user {RUN_USER!r} does not exist (scripts/install.sh creates it)") from None
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    subprocess.run(
        [
            useradd,
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "--comment",
            "netlab lab processes",
            RUN_USER,
        ],
        check=True,
        capture_output=True,
    )
    pw = pwd.getpwnam(RUN_USER)
    return pw.pw_uid, pw.pw_gid


def run_gid() -> int:
    return grp.getgrnam(RUN_USER).gr_gid


def _readable_by_others(path: Path) -> bool:
    """Can a user that is neither owner nor in the group reach `path` (x on every directory
    above it, r on it)?"""
    path = path.resolve()
    for parent in reversed(path.parents):
        if not os.stat(parent).st_mode & 0o001:
            return False
    return bool(os.stat(path).st_mode & 0o004)


def code_readable() -> bool:
    """Can the `netlab` user import netlab and the broker with this interpreter?"""
    import importlib.util

    # the broker's location without importing it (netlab imports only broker.protocol/properties)
    spec = importlib.util.find_spec("broker")
    if spec is None or spec.origin is None:
        return False
    try:
        return all(
            _readable_by_others(p)
            for p in (Path(__file__), Path(spec.origin), Path(sys.executable), Path(os.__file__))
        )
    except OSError:
        return False


def drop_argv(run_as: RunAs) -> list[str]:
    """The setpriv prefix that runs the rest of an argv as `run_as` ([] to stay root)."""
    if run_as.privileged:
        return []
    setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
    caps = "".join(f",+{c}" for c in run_as.caps)
    ids = ["--reuid", RUN_USER, "--regid", RUN_USER, "--clear-groups"] if code_readable() else []
    return [
        setpriv,
        *ids,
        f"--inh-caps=-all{caps}",
        f"--ambient-caps=-all{caps}",
        f"--bounding-set=-all{caps}",
        "--no-new-privs",
        "--",
    ]


def drop_now() -> None:
    """In-process drop to `netlab` (uid, gid, no groups, no capabilities, no_new_privs), for a
    relay that had to open devices as root first. All threads follow (glibc's setxid)."""
    import ctypes

    uid, gid = run_ids(create=False)
    if not code_readable():
        uid, gid = 0, 0  # see the module docstring; capabilities still go below
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    for cap in range(64):  # the bounding set too (needs CAP_SETPCAP: before leaving root)
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    if uid:
        os.setresuid(uid, uid, uid)  # leaving uid 0 clears the permitted and effective sets
    _clear_caps(libc)  # inheritable (and, for uid 0, all) sets empty


PR_CAPBSET_DROP = 24


def _clear_caps(libc) -> None:
    """capset() with empty sets."""
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [(n, ctypes.c_uint32) for n in ("effective", "permitted", "inheritable")]

    header = Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (Data * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def hand_over(lab_root: Path, directory: Path) -> None:
    """Let `netlab` reach and own `directory` inside the private lab dir: the directories on
    the way get group `netlab` and mode 0710 (enter, not list; others nothing); `directory`
    and all in it become owned by `netlab`, mode 0700/0600."""
    uid, gid = run_ids()
    directory = directory.resolve()
    lab_root = lab_root.resolve()
    hop = directory.parent
    while hop != lab_root.parent and lab_root in (hop, *hop.parents):
        os.chown(hop, -1, gid)
        os.chmod(hop, 0o710)
        hop = hop.parent
    for root, dirs, files in os.walk(directory):
        os.chown(root, uid, gid)
        os.chmod(root, 0o700)
        for name in files:
            path = os.path.join(root, name)
            os.chown(path, uid, gid, follow_symlinks=False)
            if not os.path.islink(path):
                os.chmod(path, 0o600)
        del dirs  # walked by os.walk itself
