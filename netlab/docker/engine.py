"""A private Docker engine inside a lab namespace: start it, wait for it, stop it by its pid.

netlab never uses or starts the machine's own dockerd. The engine it starts runs inside a lab
node's network namespace, so its bridges, iptables rules and docker-proxy processes live there
and never in the root namespace; its data-root, exec-root, socket and log are in one directory
of the lab.

Why the start is not plain `ip netns exec NS dockerd`: `ip netns exec` remounts /sys for the
namespace, which drops the cgroup mounts below /sys/fs/cgroup, and dockerd then refuses to start
("Devices cgroup isn't mounted"). So the engine starts in that same private mount namespace with
the machine's cgroup hierarchies mounted again (the same controllers, so the same hierarchies:
nothing new is created in the root mount namespace).

The engine runs as PID 1 of a PID namespace of its own (`unshare --pid --fork --kill-child`),
with containerd, the shims and every container below it. When dockerd ends, the kernel ends
everything in that namespace; and SIGKILL of the `unshare` process netlab started (the pid it
records) ends dockerd. So no container process can outlive the engine, whatever killed it:
a clean `stop_engine` lets dockerd stop its containers first, a crash or `netlab down` from the
journal still leaves nothing behind.

Name resolution of the engine: Docker's embedded DNS (127.0.0.11 in each container) answers
container names itself and forwards other names to the engine's `--dns` servers, or to public
resolvers when the host lists only loopback ones (libnetwork's resolvconf fallback). netlab
gives it a loopback address instead: libnetwork sends a loopback `--dns` server's queries from
the engine's own namespace (the lab's), where nothing listens on it, so such a lookup fails at
once inside the lab and no query ever leaves it.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from netlab.errors import NetlabError
from netlab.polling import poll_until

# Where the engine "forwards" names it does not know: the lab namespace's own loopback, where
# nothing answers (port unreachable), so unknown names fail fast and stay inside the lab.
LAB_DNS_SINK = "127.0.0.53"
START_TIMEOUT_S = 30.0
ENGINE_PROCESS = "dockerd"  # the process name of the engine in a lab node
STOP_TIMEOUT_S = 20.0
CGROUP_WAIT_S = 10.0  # for the cgroups of a killed engine to empty


class EngineError(NetlabError):
    """The private Docker engine could not start or stop."""


@dataclass(frozen=True)
class Engine:
    """A running private dockerd: its namespace, its directory, and the pid of the `unshare`
    process that holds its PID namespace (what netlab records and kills)."""

    netns: str
    root: Path
    pid: int

    @property
    def dockerd_pid(self) -> int | None:
        """dockerd itself (the one child of the unshare process), while it runs."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            return None
        return int(children[0]) if children else None

    @property
    def socket_path(self) -> Path:
        return self.root / "docker.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def log_path(self) -> Path:
        return self.root / "dockerd.log"


def dockerd_binary() -> str:
    for path in ("/usr/sbin/dockerd", "/usr/bin/dockerd"):
        if os.path.exists(path):
            return path
    raise EngineError(
        "dockerd is not installed (Debian: apt-get install docker.io; scripts/install.sh does it)"
    )


def cgroup_mounts(mountinfo: str | None = None) -> list[tuple[str, str, str]]:
    """(target, fstype, options) of the machine's cgroup file systems, in mount order.

    Options keep only what selects a hierarchy (its controllers, or name=...), so mounting them
    again attaches to the existing hierarchies."""
    text = mountinfo if mountinfo is not None else Path("/proc/self/mountinfo").read_text()
    out: list[tuple[str, str, str]] = []
    for line in text.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        target, fstype, super_opts = fields[4], tail[0], tail[2]
        if not target.startswith("/sys/fs/cgroup"):
            continue
        if fstype == "cgroup":
            keep = [
                o
                for o in super_opts.split(",")
                if o not in ("rw", "ro") and not o.startswith("release_agent")
            ]
            out.append((target, "cgroup", ",".join(keep) or "none"))
        elif fstype == "cgroup2":
            out.append((target, "cgroup2", "rw"))
        elif fstype == "tmpfs" and target == "/sys/fs/cgroup":
            out.append((target, "tmpfs", "mode=755"))
    return out


def cgroup_parent(root: Path) -> str:
    """The cgroup every container of the engine in `root` goes under (dockerd --cgroup-parent; its
    default, /docker, is the machine's Docker's). One name per engine, from its directory, so what
    the engine leaves in the machine's cgroup hierarchies is found by that exact name alone."""
    return "/netlab-engine-" + hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]


def remove_cgroups(root: Path) -> list[str]:
    """After the engine ended: remove its cgroups (cgroup_parent(root) and below, innermost first)
    in every hierarchy; a killed engine cannot. Returns those still in use (rmdir refuses them)."""
    name = cgroup_parent(root).lstrip("/")
    busy: list[str] = []
    for target, _fstype, _opts in cgroup_mounts():
        top = Path(target) / name
        if not top.is_dir():
            continue
        below = sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True)
        for d in [*below, top]:
            try:
                os.rmdir(d)
            except FileNotFoundError:
                pass
            except OSError:
                busy.append(str(d))
    return busy


def _start_script(root: Path, mounts: list[tuple[str, str, str]]) -> str:
    # The Docker host's own outgoing connections (the clients netlab runs "on the host") take
    # ephemeral ports from 49152 up, IANA's dynamic range, so they never hold a port the lab
    # publishes (compose gives container-only ports host ports from 32768, as Docker does).
    lines = ["set -e", "ip link set lo up", "sysctl -q -w net.ipv4.ip_local_port_range='49152 60999'"]
    for target, fstype, opts in mounts:
        t = shlex.quote(target)
        lines.append(f"mkdir -p {t} && mount -t {fstype} -o {shlex.quote(opts)} {fstype} {t}")
    argv = [
        dockerd_binary(),
        "-H",
        f"unix://{root / 'docker.sock'}",
        "--data-root",
        str(root / "data"),
        "--exec-root",
        str(root / "exec"),
        "--pidfile",
        str(root / "dockerd.pid"),
        "--cgroup-parent",
        cgroup_parent(root),
        "--dns",
        LAB_DNS_SINK,
        "--ip-masq=false",  # no NAT: the lab has no way out, and must not look for one
        "--log-level=warn",
    ]
    lines.append("exec " + shlex.join(argv))
    return "\n".join(lines)


# containerd's socket is the longest path below the engine's directory; a unix socket path has
# at most 107 bytes (sun_path), and containerd fails late and quietly beyond that
_LONGEST_SOCKET = "exec/containerd/containerd.sock"
SUN_PATH_MAX = 107


def engine_command(root: Path) -> list[str]:
    """The engine's command, run inside its namespace: dockerd in a PID namespace of its own."""
    longest = root / _LONGEST_SOCKET
    if len(str(longest).encode()) > SUN_PATH_MAX:
        raise EngineError(
            f"the engine's directory {root} is too deep for unix sockets ({longest} is over "
            f"{SUN_PATH_MAX} bytes); use a shorter NETLAB_RUN_DIR"
        )
    script = _start_script(root, cgroup_mounts())
    return ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "sh", "-c", script]


def engine_argv(netns: str, root: Path) -> list[str]:
    """The engine's command run from the root namespace into `netns` (as `ip netns exec` does)."""
    return ["ip", "netns", "exec", netns, *engine_command(root)]


def start_engine(netns: str, root: Path, timeout: float = START_TIMEOUT_S) -> Engine:
    """Start dockerd inside lab namespace `netns` (which must exist), state in `root`."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    (root / "data").mkdir(exist_ok=True, mode=0o700)
    (root / "exec").mkdir(exist_ok=True, mode=0o700)
    log = open(root / "dockerd.log", "ab")
    try:
        proc = subprocess.Popen(
            engine_argv(netns, root),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C of netlab does not reach the engine half-way
        )
    finally:
        log.close()
    engine = Engine(netns, root, proc.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EngineError(f"dockerd in {netns} exited with status {proc.returncode}: {_log_tail(engine)}")
        if _answers(engine.socket_path):
            return engine
        time.sleep(0.1)
    stop_engine(engine)
    raise EngineError(f"dockerd in {netns} did not answer within {timeout:g} s: {_log_tail(engine)}")


def _answers(sock_path: Path) -> bool:
    if not sock_path.exists():
        return False
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.connect(str(sock_path))
        s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        return b" 200 " in s.recv(64)
    except OSError:
        return False
    finally:
        s.close()


TAIL_BYTES = 64 * 1024  # the end of a log is all an error message quotes; bounded however long it is


def log_tail(path: Path, lines: int = 3) -> str:
    """The last `lines` lines of a log (read from its last TAIL_BYTES only), joined with " | "."""
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - TAIL_BYTES))
            text = fh.read(TAIL_BYTES).decode(errors="replace")
    except OSError:
        return "(no log)"
    return " | ".join(text.strip().splitlines()[-lines:]) or "(empty log)"


def _log_tail(engine: Engine) -> str:
    return log_tail(engine.log_path)


def remove_cgroups_when_empty(root: Path, timeout: float = CGROUP_WAIT_S) -> list[str]:
    """remove_cgroups, again until none is busy or `timeout` passed: the kernel ends a killed
    engine's processes at once, but a loaded machine takes a moment to empty their cgroups
    (rmdir: EBUSY). Returns those still in use."""
    busy: list[str] = []

    def removed() -> bool | None:
        busy[:] = remove_cgroups(root)
        return True if not busy else None

    poll_until(removed, timeout, max_delay=0.2)
    return busy


def stop_engine(engine: Engine, timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM dockerd (it stops its containers), then SIGKILL the unshare process that holds
    the engine's PID namespace: whatever is left in that namespace ends with it; then the
    engine's cgroups go (remove_cgroups)."""
    dockerd = engine.dockerd_pid
    if dockerd is not None:
        try:
            os.kill(dockerd, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(dockerd):
            time.sleep(0.1)
    try:
        os.kill(engine.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(engine.pid):
        time.sleep(0.05)
    remove_cgroups_when_empty(engine.root)


def _alive(pid: int) -> bool:
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True
