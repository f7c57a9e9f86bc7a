"""Apply a Plan to the kernel: journal first, then the object; any failure rolls back.

Three lanes work at once (both cores busy, the kernel does most of the work):
- namespaces: a thread unshares each namespace (≈1.2 ms of kernel work), bind-mounts it,
  opens one plain netlink socket in it (valid wherever the thread goes later), lo up;
- files: /etc/netns/<netns>/ hosts, nsswitch.conf, resolv.conf (slow on a disk-backed /etc);
- kernel objects: bridges, veths, tun/tap, vxlan, addresses, up, routes, sysctls, in an order
  where each step runs as soon as its namespaces exist while keeping the plan's order per
  namespace (`kernel_order`). Veths are made from the bridge's side with the peer placed
  straight into the container's namespace, enslaved (and, being a port, up) in the same
  request; the kernel's echo gives both ifindexes, so no lookups follow.
Processes start last, once every object and file exists; relays must say they are ready.

Failure injection for tests: `apply(plan, fail_at="veth:3")` or env NETLAB_FAIL_AT=veth:3
raises just before creating the 3rd veth (after journaling it, the hardest case for recovery).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from netlab.errors import InputError, NetlabError, NotRootError
from netlab.kernel import addresses, hostsfiles, links, nsfs, processes, sysctls
from netlab.kernel.probes import missing_features
from netlab.kernel.rtnl import Rtnl
from netlab.kernel.worker import in_netns_fd
from netlab.lab.journal import Journal
from netlab.lab.launch import launch
from netlab.lab.paths import LabPaths, lab_paths
from netlab.lab.planfile import write_plan
from netlab.resources import (
    STEP_KINDS,
    Address,
    Bridge,
    HostsFile,
    LinkUp,
    Namespace,
    Plan,
    Process,
    Route,
    Step,
    Sysctl,
    Tuntap,
    Veth,
    Vxlan,
)

RELAY_ROLES = ("port-proxy", "tap-relay", "tun-relay")
READY_MARK = b"netlab-relay ready"
READY_TIMEOUT = 10.0

ProgressFn = Callable[[Step, int, int], None]


class InjectedFailure(NetlabError):
    """Raised by the test hook NETLAB_FAIL_AT / fail_at."""


class _LaneStopped(Exception):
    """Another lane failed; this one stops quietly (the first error is the one reported)."""


class StepFailed(NetlabError):
    def __init__(self, step: Step, cause: BaseException):
        self.step = step
        self.cause = cause
        super().__init__(f"step '{step.key}' failed: {cause}")


def require_root() -> None:
    """Not root → exit 2 before anything. NETLAB_PRETEND_NOT_ROOT=1 simulates it (tests)."""
    if os.geteuid() != 0 or os.environ.get("NETLAB_PRETEND_NOT_ROOT") == "1":
        raise NotRootError(
            "this command changes the kernel and must run as root; run it with sudo", where="netlab"
        )


def check_can_apply(plan: Plan) -> None:
    """Everything `up` checks before it creates anything (exit 2 / 1 with nothing made)."""
    require_root()
    paths = lab_paths(plan.lab)
    if paths.root.exists():
        raise InputError(
            f"a lab named {plan.lab!r} is already up (state in {paths.root}); remove it with: sudo netlab down {plan.lab}",
            where=plan.source or "lab",
        )
    for step in plan.of_kind(Namespace):
        if nsfs.exists(step.netns):
            raise InputError(
                f"network namespace {step.netns!r} already exists but no lab {plan.lab!r} is recorded; "
                f"it is not netlab's to remove: delete it with `ip netns del {step.netns}` if it is a leftover",
                where=plan.source or "lab",
            )
    requires = list(plan.meta.get("requires") or [])
    if requires:
        missing = missing_features(requires)
        if missing:
            feature, why = sorted(missing.items())[0]
            others = ", ".join(sorted(missing)[1:])
            raise NetlabError(
                f"this kernel lacks {feature!r}, which the topology {plan.source or plan.lab} needs ({why})"
                + (f"; also missing: {others}" if others else "")
                + "; nothing was created"
            )


def parse_fail_at(spec: str | None) -> tuple[str, int] | None:
    """`kind[:n]` → (kind, n). An unknown kind or a bad n is bad input (exit 2): a hook that
    silently matches nothing would let a test pass without testing anything."""
    if not spec:
        return None
    kind, _, nth = spec.partition(":")
    if kind not in STEP_KINDS:
        raise InputError(
            f"unknown step kind {kind!r}; valid kinds: {', '.join(sorted(STEP_KINDS))}",
            where="NETLAB_FAIL_AT",
        )
    if nth and not (nth.isdigit() and int(nth) >= 1):
        raise InputError(
            f"{nth!r} is not a step number; use kind or kind:N with N >= 1", where="NETLAB_FAIL_AT"
        )
    return kind, int(nth or 1)


def step_namespaces(step: Step) -> tuple[str, ...]:
    if isinstance(step, Veth):
        return (step.a_netns, step.b_netns)
    netns = getattr(step, "netns", None)
    return (netns,) if netns else ()


def kernel_order(steps: list[Step], netns_order: list[str]) -> list[Step]:
    """Reorder kernel steps so each runs as soon as the namespaces it touches exist, keeping
    the plan's order among steps that share a namespace (objects of different namespaces
    never depend on each other; a veth touches both of its namespaces). So a container's
    address, up and routes follow its veth while later namespaces are still being made,
    instead of all waiting for the last one."""
    ready_at = {ns: i for i, ns in enumerate(netns_order)}
    last: dict[str, int] = {}
    keyed = []
    for pos, step in enumerate(steps):
        spaces = step_namespaces(step)
        key = max([ready_at.get(ns, len(netns_order)) for ns in spaces] + [last.get(ns, -1) for ns in spaces])
        for ns in spaces:
            last[ns] = key
        keyed.append((key, pos, step))
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [step for _key, _pos, step in keyed]


@dataclass
class _Ns:
    fd: int
    rtnl: Rtnl


class _Applier:
    def __init__(
        self,
        plan: Plan,
        paths: LabPaths,
        journal: Journal,
        fail_at: tuple[str, int] | None,
        progress: ProgressFn | None,
    ):
        self.plan = plan
        self.paths = paths
        self.journal = journal
        self.fail_at = fail_at
        self.progress = progress
        self.total = len(plan.steps)
        self.done = 0
        self.counts: dict[str, int] = {}
        self.lock = threading.Condition()
        self.ns: dict[str, _Ns] = {}
        self.error: BaseException | None = None
        self.producing = True
        self.etc_template: str | None = None  # first node's /etc/netns dir (files lane only)
        self.addressed = {(s.netns, s.ifname) for s in plan.steps if isinstance(s, Address)}
        self.brought_up = {(s.netns, s.ifname) for s in plan.steps if isinstance(s, LinkUp)}
        self.already_up: set[tuple[str, str]] = set()
        self.started: list[Process] = []

    # -- bookkeeping shared by both threads ------------------------------------------------
    def _record(self, step: Step) -> None:
        self.journal.record(step)
        with self.lock:
            n = self.counts.get(step.kind, 0) + 1
            self.counts[step.kind] = n
        if self.fail_at and self.fail_at == (step.kind, n):
            raise InjectedFailure(f"injected failure before creating {step.kind} #{n} ({step.key})")

    def _advance(self, step: Step) -> None:
        with self.lock:
            self.done += 1
            done = self.done
        if self.progress:
            self.progress(step, done, self.total)

    def _fail(self, exc: BaseException) -> None:
        with self.lock:
            if self.error is None:
                self.error = exc
            self.lock.notify_all()

    def _ns(self, name: str) -> _Ns:
        with self.lock:
            while name not in self.ns:
                if self.error is not None:
                    raise _LaneStopped()
                if not self.producing:
                    raise NetlabError(f"no namespace {name!r} in this plan")
                self.lock.wait()
            return self.ns[name]

    # -- namespaces (producer thread) -----------------------------------------------------
    def _make_namespaces(self, steps: list[Namespace]) -> None:
        home = nsfs.current_fd()
        try:
            for step in steps:
                if self.error is not None:
                    return
                self._record(step)
                try:
                    nsfs.claim(step.netns)
                except OSError as exc:
                    # Taken by someone else since the up-front check: say so in the journal,
                    # so that neither the rollback nor a later `down` ever removes it.
                    self.journal.record_not_ours(step.netns)
                    raise StepFailed(step, exc) from exc
                try:
                    fd = nsfs.create(step.netns, claimed=True)
                    r = Rtnl()
                    r.remember("lo", 1)  # loopback is ifindex 1 in every new namespace
                    links.set_up(r, "lo")
                except OSError as exc:
                    raise StepFailed(step, exc) from exc
                finally:
                    nsfs.enter_fd(home)
                with self.lock:
                    self.ns[step.netns] = _Ns(fd, r)
                    self.lock.notify_all()
                self._advance(step)
        except BaseException as exc:
            self._fail(exc)
        finally:
            os.close(home)
            with self.lock:
                self.producing = False
                self.lock.notify_all()

    # -- the other lanes ---------------------------------------------------------------------
    def _lane(self, steps: list[Step]) -> None:
        """Make `steps` in order; stop at the first failure of any lane."""
        try:
            for step in steps:
                if self.error is not None:
                    return
                for ns in step_namespaces(step):
                    self._ns(ns)  # journal nothing for a namespace that is not (yet) ours
                self._record(step)
                try:
                    self._make(step)
                except (OSError, ValueError) as exc:
                    raise StepFailed(step, exc) from exc
                self._advance(step)
        except _LaneStopped:
            pass
        except BaseException as exc:
            self._fail(exc)

    def run(self) -> None:
        """Namespaces in one thread, files (/etc/netns, slow on a disk-backed /etc) in another,
        kernel objects in this one; processes last, once every object and file exists."""
        lanes: dict[str, list[Step]] = {"netns": [], "files": [], "kernel": [], "process": []}
        for step in self.plan.steps:
            lane = {Namespace: "netns", HostsFile: "files", Process: "process"}.get(type(step), "kernel")
            lanes[lane].append(step)
        lanes["kernel"] = kernel_order(lanes["kernel"], [s.netns for s in lanes["netns"]])
        threads = [
            threading.Thread(
                target=self._make_namespaces, args=(lanes["netns"],), name="netlab-netns", daemon=True
            ),
            threading.Thread(target=self._lane, args=(lanes["files"],), name="netlab-files", daemon=True),
        ]
        for t in threads:
            t.start()
        self._lane(lanes["kernel"])
        for t in threads:
            t.join()
        if self.error is None:
            self._lane(lanes["process"])
        if self.error is not None:
            raise self.error
        self._wait_relays_ready()

    def _make(self, step: Step) -> None:
        if isinstance(step, Sysctl):
            with in_netns_fd(self._ns(step.netns).fd):
                sysctls.write_sysctl(step.name, step.value)
        elif isinstance(step, Bridge):
            links.make_bridge(self._ns(step.netns).rtnl, step.ifname)
        elif isinstance(step, Veth):
            # Create from the side that has a bridge, so enslaving rides on the same request.
            a_ns, a_if, a_master, b_ns, b_if, b_master = (
                step.a_netns,
                step.a_ifname,
                step.a_master,
                step.b_netns,
                step.b_ifname,
                step.b_master,
            )
            if b_master and not a_master:
                a_ns, a_if, a_master, b_ns, b_if, b_master = b_ns, b_if, b_master, a_ns, a_if, a_master
            a = self._ns(a_ns).rtnl
            b_fd = None if b_ns == a_ns else self._ns(b_ns).fd
            master = a.link_index(a_master) if a_master else None
            # A bridge port with no address that the plan brings up anyway comes up right
            # here; its LinkUp step is then satisfied without a request (same end state).
            a_up = bool(a_master) and (a_ns, a_if) in self.brought_up and (a_ns, a_if) not in self.addressed
            links.make_veth(a, a_if, b_if, b_fd, master, step.mtu, b_rtnl=self._ns(b_ns).rtnl, a_up=a_up)
            if a_up:
                self.already_up.add((a_ns, a_if))
            if b_master:
                links.set_master(self._ns(b_ns).rtnl, b_if, b_master)
        elif isinstance(step, Tuntap):
            ns = self._ns(step.netns)
            with in_netns_fd(ns.fd):
                links.make_tuntap(step.ifname, step.mode)
            if step.master:
                links.set_master(ns.rtnl, step.ifname, step.master)
        elif isinstance(step, Vxlan):
            r = self._ns(step.netns).rtnl
            underlay = r.link_index(step.underlay) if step.underlay else None
            links.make_vxlan(r, step.ifname, step.vni, step.local, step.remote, step.dstport, underlay)
            if step.master:
                links.set_master(r, step.ifname, step.master)
        elif isinstance(step, Address):
            addresses.add_address(self._ns(step.netns).rtnl, step.ifname, step.cidr)
        elif isinstance(step, LinkUp):
            if (step.netns, step.ifname) not in self.already_up:
                links.set_up(self._ns(step.netns).rtnl, step.ifname)
        elif isinstance(step, Route):
            r = self._ns(step.netns).rtnl
            dev = r.link_index(step.dev) if step.dev else None
            addresses.add_route(r, step.dst, step.gateway, dev)
        elif isinstance(step, HostsFile):
            self._ns(step.netns)  # the node must exist first
            written = hostsfiles.write_netns_etc(step.netns, step.entries, self.etc_template)
            self.etc_template = self.etc_template or written
        elif isinstance(step, Process):
            self._ns(step.netns)
            for path, text in step.files:  # under the lab directory: destroy removes them with it
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                Path(path).write_text(text)
            files = self.paths.process(step.node, step.name)
            launch(self.paths, step)  # with the privileges of its role (kernel/privileges.py)
            self.started.append(step)
            if step.ready:
                _wait_mark(files, step.ready)
        else:
            raise NetlabError(f"the applier does not know step kind {step.kind!r} ({step.key})")

    def _wait_relays_ready(self) -> None:
        """Relays print READY_MARK once their devices/sockets are open; wait for it (bounded)."""
        waiting = [s for s in self.started if s.role in RELAY_ROLES]
        deadline = time.monotonic() + READY_TIMEOUT
        delay = 0.005
        while waiting:
            still = []
            for step in waiting:
                files = self.paths.process(step.node, step.name)
                log = files.logfile.read_bytes() if files.logfile.exists() else b""
                if READY_MARK in log:
                    continue
                st = processes.state(files)
                if st.state != "running":
                    tail = log.decode(errors="replace").strip().splitlines()[-5:]
                    raise NetlabError(
                        f"process '{step.key}' ended during start ({st.state}, code {st.exit_code}): "
                        + " | ".join(tail)
                    )
                still.append(step)
            waiting = still
            if waiting:
                if time.monotonic() > deadline:
                    raise NetlabError(
                        "processes not ready after %.0f s: %s"
                        % (READY_TIMEOUT, ", ".join(s.key for s in waiting))
                    )
                time.sleep(delay)
                delay = min(delay * 2, 0.05)

    def close(self) -> None:
        for ns in self.ns.values():
            ns.rtnl.close()
            os.close(ns.fd)
        self.ns.clear()


PROCESS_READY_TIMEOUT = 10.0


def _wait_mark(files: processes.ProcFiles, mark: str) -> bool:
    """Until `mark` is in the process's log, the process ended, or the bounded wait is over."""
    deadline = time.monotonic() + PROCESS_READY_TIMEOUT
    delay = 0.005
    while time.monotonic() < deadline:
        if files.logfile.exists() and mark.encode() in files.logfile.read_bytes():
            return True
        if processes.state(files).state != "running":
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    return False


def _run_interruptibly(applier: _Applier) -> None:
    """Run the applier in its own thread; Ctrl-C stops every lane at its next step, waits for
    them (so nothing is being made while we roll back), then raises."""
    box: dict = {}

    def target() -> None:
        try:
            applier.run()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="netlab-kernel", daemon=True)
    thread.start()
    while thread.is_alive():
        try:
            thread.join()
        except KeyboardInterrupt:
            applier._fail(NetlabError("interrupted (Ctrl-C)"))
    if "error" in box:
        raise box["error"]


def apply(
    plan: Plan,
    *,
    topology_text: str | None = None,
    progress: ProgressFn | None = None,
    fail_at: str | None = None,
) -> LabPaths:
    """Create everything in `plan`. On any failure destroy what was made (from the journal)
    and raise NetlabError naming the failing step and the kernel's error."""
    require_root()
    inject = parse_fail_at(fail_at or os.environ.get("NETLAB_FAIL_AT"))  # bad spec: exit 2, nothing made
    # Lab state is private (it holds record contents, properties, logs): every file and
    # directory netlab or its processes make under it is 0600/0700 (docs/security.md).
    old_umask = os.umask(0o077)
    try:
        return _apply(plan, topology_text, progress, inject)
    finally:
        os.umask(old_umask)


def _apply(
    plan: Plan, topology_text: str | None, progress: ProgressFn | None, inject: tuple[str, int] | None
) -> LabPaths:
    paths = lab_paths(plan.lab)
    if not paths.root.parent.is_dir():
        paths.root.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(paths.root.parent, 0o755)  # lab names are public (like `ip netns list`), state is not
    try:
        paths.root.mkdir(mode=0o700, exist_ok=False)  # atomic: two `up`s of one lab cannot both pass
    except FileExistsError:
        raise InputError(
            f"a lab named {plan.lab!r} is already up; remove it with: sudo netlab down {plan.lab}",
            where=plan.source or "lab",
        ) from None
    for sub in (paths.logs, paths.pids, paths.etc):
        sub.mkdir()
    write_plan(paths.plan, plan)
    if topology_text is not None:
        paths.topology.write_text(topology_text)
    elif plan.source and os.path.isfile(plan.source):
        shutil.copyfile(plan.source, paths.topology)
    journal = Journal(paths.journal)
    applier = _Applier(plan, paths, journal, inject, progress)
    try:
        _run_interruptibly(applier)
    except BaseException as exc:
        applier.close()
        journal.close()
        from netlab.lab.destroy import destroy

        destroy(plan.lab)
        if isinstance(exc, StepFailed):
            raise NetlabError(f"{exc}; everything made so far was removed") from exc
        if isinstance(exc, NetlabError):
            raise NetlabError(f"{exc}; everything made so far was removed") from exc
        raise
    applier.close()
    journal.close()
    return paths
