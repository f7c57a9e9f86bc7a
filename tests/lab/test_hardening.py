"""Hardening of the lab engine (issue 11): bad test hooks are refused, lab state is private,
netlab's own processes run unprivileged."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys

import pytest
from labtools import REPO, leftovers, run_cli, topology_plan
from support import poll

from netlab.kernel import processes
from netlab.kernel.privileges import RUN_USER, code_readable, drop_argv, policy
from netlab.lab import lab_paths
from netlab.lab.brokers import wait_started
from netlab.lab.launch import unprivileged_user_processes
from netlab.resources import Process

pytestmark = pytest.mark.root


def _two_node_topology(tmp_path, lab: str):
    topo = tmp_path / "lab.yaml"
    topo.write_text(
        f"lab: {lab}\nnodes:\n  host: {{}}\n  a: {{networks: [n]}}\n"
        "networks:\n  n: {subnet: 10.62.0.0/24}\n"
    )
    return topo


def test_unknown_fail_at_kind_is_bad_input(tmp_path, lab_name):
    """Before: an unknown kind matched no step, `up` succeeded and the test hook tested nothing."""
    result = run_cli("up", str(_two_node_topology(tmp_path, lab_name)), env={"NETLAB_FAIL_AT": "vethh:2"})
    assert result.returncode == 2, result.stderr
    assert "unknown step kind 'vethh'" in result.stderr
    assert "veth" in result.stderr.split("valid kinds:")[1] and "process" in result.stderr
    assert leftovers(lab_name) == []


def test_bad_fail_at_number_is_bad_input(tmp_path, lab_name):
    result = run_cli("up", str(_two_node_topology(tmp_path, lab_name)), env={"NETLAB_FAIL_AT": "veth:x"})
    assert result.returncode == 2, result.stderr
    assert "not a step number" in result.stderr
    assert leftovers(lab_name) == []


# --- private lab state, least privilege (topology 9: broker, published port, TAP relay) ---

MAC = REPO / "topologies" / "09-docker-desktop-mac.yaml"
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
# Try to enter the machine's network namespace (the one this test runs in; /proc/1 may belong
# to a container's init here); prints "denied <errno>" or "entered". Unprivileged, already the
# open() of a root process's ns file fails (EACCES, ptrace rules); with an fd, setns() without
# CAP_SYS_ADMIN fails with EPERM.
SETNS_ROOT = (
    "import ctypes, os\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "try:\n"
    f"    fd = os.open('/proc/{os.getpid()}/ns/net', os.O_RDONLY)\n"
    "    rc = libc.setns(fd, 0x40000000)\n"
    "    print('entered' if rc == 0 else f'denied {ctypes.get_errno()}', flush=True)\n"
    "except PermissionError as e:\n"
    "    print(f'denied {e.errno}', flush=True)\n"
)
DENIED = ({"denied", "1"}, {"denied", "13"})  # EPERM, EACCES


@pytest.fixture(scope="module")
def mac_lab():
    """Topology 9 up once for the tests below (unique name, destroyed and checked at the end)."""
    import plans

    from netlab import lab as labapi

    name = "hard" + plans.lab_name()[-8:]
    plan = topology_plan(str(MAC), name)
    labapi.apply(plan)
    try:
        assert [b.state for b in wait_started(name)] == ["started"]
        yield name, plan
    finally:
        labapi.destroy(name)
        assert leftovers(name) == []


def _status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as fh:
        return dict(line.rstrip("\n").split(":\t", 1) for line in fh if ":\t" in line)


def _program_pid(lab: str, step: Process) -> int:
    """The program itself: the member of the step's process group that is not the root shell
    wrapper waiting for it."""
    recorded = processes.read_pidfile(lab_paths(lab).process(step.node, step.name).pidfile)
    assert recorded is not None
    members = [p for p in processes.group_members(recorded[0]) if p != recorded[0]]
    assert len(members) == 1, members
    return members[0]


def test_lab_state_is_private_record_contents_included(mac_lab):
    """Before: /run/netlab/<lab>/ was 755/644, and any local user read a produced password."""
    lab, _ = mac_lab
    ns = f"netlab-{lab}-client"
    produced = subprocess.run(
        ["ip", "netns", "exec", ns, "kcat", "-P", "-b", "broker:29092", "-t", "secret"],
        input="password=hunter2\n",
        text=True,
        capture_output=True,
        timeout=30,
    )
    assert produced.returncode == 0, produced.stderr
    root = lab_paths(lab).root
    segments = list(root.glob("brokers/broker/data/secret-0/*.log"))
    assert segments and any(b"password=hunter2" in p.read_bytes() for p in segments)
    readable = subprocess.run([*AS_NOBODY, "cat", str(segments[0])], capture_output=True, text=True)
    assert readable.returncode != 0 and "Permission denied" in readable.stderr
    listed = subprocess.run([*AS_NOBODY, "ls", str(root)], capture_output=True, text=True)
    assert listed.returncode != 0 and "Permission denied" in listed.stderr
    loose = []
    for dirpath, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = os.path.join(dirpath, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                continue
            # others: nothing; group: at most "enter" on the directories a broker must pass
            if mode & 0o007 or (mode & 0o070 and not (stat.S_ISDIR(mode) and mode & 0o070 == 0o010)):
                loose.append(f"{path} {stat.filemode(mode)}")
    # ...while what a node's programs must read to resolve names stays readable, like /etc/hosts
    assert stat.S_IMODE(os.stat(f"/etc/netns/{ns}/hosts").st_mode) == 0o644
    root_mode = os.stat(root).st_mode
    assert not root_mode & 0o007 and root_mode & 0o070 in (0, 0o010)
    assert loose == []


@pytest.mark.parametrize("verb", [["status"], ["logs", "{lab}", "broker"], ["status", "{lab}"]])
def test_status_and_logs_as_non_root_say_they_need_root(mac_lab, verb):
    lab, _ = mac_lab
    args = [v.format(lab=lab) for v in verb]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [*AS_NOBODY, sys.executable, "-m", "netlab", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "private to root" in result.stderr and "sudo" in result.stderr


def test_netlabs_own_processes_run_unprivileged(mac_lab):
    """As user netlab; where netlab's code is not readable by others (a clone under /root) they
    stay uid 0 and still lose every capability (docs/security.md)."""
    lab, plan = mac_lab
    netlab_uid = pwd.getpwnam(RUN_USER).pw_uid if code_readable() else 0
    expected_caps = {"broker": 0, "port-proxy": 1 << 10, "tap-relay": 0, "user": 0}  # 10 = NET_BIND_SERVICE
    seen = set()
    for step in plan.of_kind(Process):
        st = _status(_program_pid(lab, step))
        assert st["Uid"].split() == [str(netlab_uid)] * 4, (step.key, st["Uid"])
        assert st["Groups"].strip() == "", (step.key, st["Groups"])
        assert int(st["CapEff"], 16) == expected_caps[step.role], (step.key, st["CapEff"])
        assert int(st["CapBnd"], 16) == expected_caps[step.role], (step.key, st["CapBnd"])
        assert st["NoNewPrivs"] == "1", step.key
        seen.add(step.role)
    assert seen >= {"broker", "port-proxy", "tap-relay"}


def test_a_broker_cannot_enter_the_root_namespace(mac_lab):
    """What a broker (or anything started the way it is) gets when it tries to enter the machine's
    network namespace: EACCES opening /proc/1/ns/net, or EPERM from setns(). The same code as
    root enters it, so the check can fail."""
    lab, _ = mac_lab
    node_ns = f"netlab-{lab}-broker"
    as_broker = subprocess.run(
        ["ip", "netns", "exec", node_ns, *drop_argv(policy("broker")), sys.executable, "-c", SETNS_ROOT],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert set(as_broker.stdout.split()) in DENIED, as_broker.stdout + as_broker.stderr
    as_root = subprocess.run(
        ["ip", "netns", "exec", node_ns, sys.executable, "-c", SETNS_ROOT], capture_output=True, text=True
    )
    assert as_root.stdout.split() == ["entered"], as_root.stdout + as_root.stderr


def test_up_unprivileged_runs_user_processes_as_netlab(tmp_path, lab_name):
    """`processes:` run as root by default (the topology author is trusted, like a compose
    file's); with --unprivileged as `netlab`, no capabilities, and setns is refused."""
    topo = tmp_path / "lab.yaml"
    topo.write_text(
        f"lab: {lab_name}\nnodes:\n  box:\n    processes:\n"
        f"      - name: probe\n        command: [{sys.executable!r}, '-c', {SETNS_ROOT!r}]\n"
        "      - name: idle\n        command: [sleep, '60']\n"
    )
    env = {"PYTHONPATH": str(REPO)}
    try:
        result = run_cli("up", "--unprivileged", str(topo), env=env)
        assert result.returncode == 0, result.stderr
        plan = unprivileged_user_processes(topology_plan(str(topo), lab_name))
        idle = next(s for s in plan.of_kind(Process) if s.name == "idle")
        st = _status(_program_pid(lab_name, idle))
        assert st["Uid"].split()[0] == str(pwd.getpwnam(RUN_USER).pw_uid if code_readable() else 0)
        assert int(st["CapEff"], 16) == 0 and st["NoNewPrivs"] == "1"
        log = lab_paths(lab_name).process("box", "probe").logfile
        poll(lambda: log.exists() and log.read_text().strip(), 15, 0.05)
        assert set(log.read_text().split()[-2:]) in DENIED, log.read_text()
    finally:
        run_cli("down", lab_name)
    assert leftovers(lab_name) == []
