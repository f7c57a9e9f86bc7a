"""Network namespaces made the way iproute2 makes them, without forking.

`create(name)` unshares a new network namespace *in the calling thread* (Linux namespaces are
per task, so only this thread moves), bind-mounts /proc/thread-self/ns/net onto
/run/netns/<name> (so `ip netns exec <name>` and every other tool finds it) and leaves the
thread inside it: the caller opens its netlink sockets there, then calls `enter_fd` to go back.
pyroute2's `netns.create` forks a child per namespace (3.6 ms here); this costs ~0.3 ms.

`remove(name)` detaches the bind mount and unlinks the file; the kernel frees the namespace
(and every interface in it) once no process or open fd holds it. Only exact names are touched.
"""

from __future__ import annotations

import ctypes
import errno
import os

NETNS_DIR = "/run/netns"
CLONE_NEWNET = 0x40000000
CLONE_NEWUTS = 0x04000000
MS_BIND = 4096
MS_REC = 16384
MS_SHARED = 1 << 20
MNT_DETACH = 2

_libc = ctypes.CDLL(None, use_errno=True)
_prepared = False


def _check(rc: int, what: str, path: str = "") -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}", path)


def netns_path(name: str) -> str:
    return os.path.join(NETNS_DIR, name)


def _prepare_dir() -> None:
    """Make /run/netns a shared mount point (what `ip netns add` does), once per process."""
    global _prepared
    if _prepared:
        return
    os.makedirs(NETNS_DIR, exist_ok=True)
    path = NETNS_DIR.encode()
    if _libc.mount(b"", path, b"none", MS_SHARED | MS_REC, None) != 0:
        _check(_libc.mount(path, path, b"none", MS_BIND | MS_REC, None), "bind /run/netns", NETNS_DIR)
        _check(_libc.mount(b"", path, b"none", MS_SHARED | MS_REC, None), "share /run/netns", NETNS_DIR)
    _prepared = True


def exists(name: str) -> bool:
    return os.path.exists(netns_path(name))


def claim(name: str) -> None:
    """Create the empty mount point /run/netns/<name>, failing if the name is taken (so a
    caller can journal the namespace only once it is surely its own)."""
    _prepare_dir()
    os.close(os.open(netns_path(name), os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0))


def create(name: str, claimed: bool = False) -> int:
    """Create namespace `name`; the calling thread is left inside it. Returns an fd of it."""
    if not claimed:
        claim(name)
    path = netns_path(name)
    try:
        _check(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)", path)
        _check(
            _libc.mount(b"/proc/thread-self/ns/net", path.encode(), b"none", MS_BIND, None),
            "bind mount",
            path,
        )
    except OSError:
        _unlink_quietly(path)
        raise
    return os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


def open_fd(name: str) -> int:
    return os.open(netns_path(name), os.O_RDONLY | os.O_CLOEXEC)


def current_fd() -> int:
    return os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


def enter_fd(fd: int) -> None:
    """Move the calling thread into the namespace of `fd`."""
    _check(_libc.setns(fd, CLONE_NEWNET), "setns(CLONE_NEWNET)")


def remove(name: str) -> bool:
    """Detach and unlink /run/netns/<name>. True if it existed. Tolerates a half-made one."""
    path = netns_path(name)
    if not os.path.lexists(path):
        return False
    if _libc.umount2(path.encode(), MNT_DETACH) != 0:
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOENT):  # EINVAL: file made, mount never happened
            raise OSError(err, f"umount: {os.strerror(err)}", path)
    _unlink_quietly(path)
    return True


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def list_names() -> list[str]:
    try:
        return sorted(os.listdir(NETNS_DIR))
    except FileNotFoundError:
        return []


def unshare_uts(hostname: str) -> None:
    """Give the calling task its own UTS namespace named `hostname` (a container's hostname)."""
    _check(_libc.unshare(CLONE_NEWUTS), "unshare(CLONE_NEWUTS)")
    raw = hostname.encode()
    _check(_libc.sethostname(raw, len(raw)), "sethostname")
