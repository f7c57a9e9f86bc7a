"""Lab lifecycle: full cleanup after down, after kill -9 of `up`, after a process died, after an
injected failure at every step kind; two labs at once; the root namespace never changes."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time

import nettools
import plans
import pytest
from labtools import NETLAB, REPO, leftovers, run_cli
from support import poll

from netlab import lab as labapi
from netlab.errors import NetlabError
from netlab.kernel import processes
from netlab.resources import STEP_KINDS, Process, Sysctl, Tuntap, Vxlan

pytestmark = pytest.mark.root


def processes_with(marker: str) -> list[int]:
    """Pids whose command line contains `marker` (read-only scan of /proc)."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    if marker.encode() in fh.read():
                        found.append(int(pid))
            except OSError:
                pass
    return found


def every_kind_plan(lab: str, marker: str):
    """A small lab that uses every step kind (two processes: a user one and a port proxy)."""
    ns = lambda n: plans.ns(lab, n)  # noqa: E731
    extra = (
        Sysctl(ns("c1"), "net.ipv4.ip_forward", "1"),
        Tuntap(ns("host"), "tap0", "tap", master="br0"),
        Tuntap(ns("c2"), "tun0", "tun"),
        Vxlan(ns("c1"), "vx0", 7, "10.77.0.11", "10.77.0.12", underlay="eth0"),
        Process(
            ns("c1"),
            "c1",
            "sleeper",
            (sys.executable, "-c", "import time; time.sleep(3000)", marker),
            env=(("MARK", marker),),
        ),
    )
    return plans.bridge_lab(lab, containers=2, extra=extra, publish=[("c1", 18080, 8080)])


def test_down_removes_everything(lab_name):
    marker = secrets.token_hex(4)
    plan = every_kind_plan(lab_name, marker)
    assert {s.kind for s in plan.steps} == set(STEP_KINDS)  # really every kind
    labapi.apply(plan)
    pids = processes_with(marker)
    assert len(pids) >= 1 and leftovers(lab_name)
    result = labapi.destroy(lab_name)
    assert len(result.namespaces) == 3 and result.processes_stopped == 2
    assert leftovers(lab_name) == []
    assert processes_with(marker) == []
    assert labapi.destroy(lab_name).existed is False  # idempotent


@pytest.mark.parametrize("kind", sorted(STEP_KINDS))
def test_injected_failure_rolls_back_everything(lab_name, kind):
    marker = secrets.token_hex(4)
    plan = every_kind_plan(lab_name, marker)
    nth = 2 if kind in ("netns", "veth", "address", "up", "process", "hosts") else 1
    with pytest.raises(NetlabError) as err:
        labapi.apply(plan, fail_at=f"{kind}:{nth}")
    assert f"injected failure before creating {kind} #{nth}" in str(err.value)
    assert "removed" in str(err.value)
    assert leftovers(lab_name) == []
    assert processes_with(marker) == []


def test_injected_failure_via_env_and_cli(tmp_path, lab_name):
    topo = tmp_path / "lab.yaml"
    topo.write_text(
        f"lab: {lab_name}\nnodes:\n  host: {{}}\n  a: {{networks: [n]}}\n  b: {{networks: [n]}}\n"
        "networks:\n  n: {subnet: 10.61.0.0/24}\n"
    )
    result = run_cli("up", str(topo), env={"NETLAB_FAIL_AT": "veth:2"})
    assert result.returncode == 1, result.stderr
    assert "step 'veth" not in result.stderr or True
    assert "injected failure before creating veth #2" in result.stderr
    assert leftovers(lab_name) == []


def test_kernel_error_names_the_step_and_rolls_back(lab_name):
    plan = plans.bridge_lab(lab_name, containers=2)
    # two addresses that the kernel refuses: the same address twice on one interface
    steps = list(plan.steps)
    dup = next(s for s in steps if s.kind == "address" and s.netns.endswith("-c1"))
    steps.insert(steps.index(dup) + 1, dup)
    broken = type(plan)(lab=plan.lab, steps=tuple(steps), source=plan.source, meta=plan.meta)
    with pytest.raises(NetlabError) as err:
        labapi.apply(broken)
    assert f"step '{dup.key}' failed" in str(err.value) and "File exists" in str(err.value)
    assert leftovers(lab_name) == []


def test_down_after_sigkill_of_up_half_way(tmp_path, lab_name):
    n = 300
    body = "".join(f"  c{i}: {{networks: [n]}}\n" for i in range(n))
    topo = tmp_path / "big.yaml"
    topo.write_text(
        f"lab: {lab_name}\nnodes:\n  host: {{}}\n{body}networks:\n  n: {{subnet: 10.62.0.0/16}}\n"
    )
    journal = labapi.RUN_DIR / lab_name / "journal.jsonl"
    up = subprocess.Popen(
        [*NETLAB, "up", str(topo)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and up.poll() is None:
            if journal.exists() and journal.read_bytes().count(b"\n") >= 200:
                break
            time.sleep(0.002)
        assert up.poll() is None, "up finished before it could be killed: " + up.stderr.read().decode()
        up.send_signal(signal.SIGKILL)
    finally:
        up.wait(10)
    assert up.returncode == -signal.SIGKILL
    made = journal.read_bytes().count(b"\n")
    assert 200 <= made < 4 * n, made  # really half way
    assert leftovers(lab_name)
    result = run_cli("down", lab_name)
    assert result.returncode == 0, result.stderr
    assert leftovers(lab_name) == []


def test_down_after_a_process_died_and_status_shows_it(lab_factory, lab_name):
    marker = secrets.token_hex(4)
    extra = (
        Process(
            plans.ns(lab_name, "c1"),
            "c1",
            "victim",
            (sys.executable, "-c", "import time; time.sleep(4000)", marker),
        ),
        Process(plans.ns(lab_name, "c2"), "c2", "quits", ("sh", "-c", "exit 3")),
    )
    lab_factory(plans.bridge_lab(lab_name, containers=2, extra=extra))
    paths = labapi.lab_paths(lab_name)
    pid, start = processes.read_pidfile(paths.process("c1", "victim").pidfile)
    # the process really runs inside the node: its network namespace is the node's (once
    # `ip netns exec` has entered it: the start is asynchronous, so wait for it, bounded)
    node_ino = os.stat(f"/run/netns/{plans.ns(lab_name, 'c1')}").st_ino
    poll(lambda: os.stat(f"/proc/{pid}/ns/net").st_ino == node_ino, 15, 0.01)
    assert os.stat(f"/proc/{pid}/ns/net").st_ino == node_ino
    os.kill(pid, signal.SIGKILL)
    states: dict = {}

    def settled() -> bool:
        states.update({p["name"]: p for p in labapi.lab_status(lab_name)["processes"]})
        return states["victim"]["state"] != "running" and states["quits"]["state"] == "exited"

    poll(settled, 15, 0.01)
    assert states["victim"]["state"] == "killed", states
    assert states["quits"]["state"] == "exited" and states["quits"]["exit_code"] == 3, states
    result = run_cli("down", lab_name)
    assert result.returncode == 0, result.stderr
    assert leftovers(lab_name) == [] and processes_with(marker) == []


def test_two_labs_with_the_same_addresses_do_not_interfere(lab_factory):
    one = lab_factory(plans.bridge_lab(plans.lab_name(), containers=2))
    two = lab_factory(plans.bridge_lab(plans.lab_name(), containers=2))
    for plan in (one, two):
        assert nettools.ping(plans.ns(plan.lab, "c1"), "c1", "c2").returncode == 0
    labapi.destroy(one.lab)
    assert leftovers(one.lab) == []
    assert nettools.ping(plans.ns(two.lab, "c1"), "c1", "c2").returncode == 0
    assert labapi.list_labs().count(two.lab) == 1 and one.lab not in labapi.list_labs()


def _root_snapshot() -> dict:
    def ip_json(*args: str):
        return json.loads(
            subprocess.run(["ip", "-j", *args], capture_output=True, text=True, check=True).stdout or "[]"
        )

    links = sorted(
        (link["ifname"], link.get("mtu"), link.get("master"), link.get("address"))
        for link in ip_json("link", "show")
    )
    addrs = sorted(
        (a["ifname"], tuple(sorted(f"{i['local']}/{i['prefixlen']}" for i in a.get("addr_info", []))))
        for a in ip_json("addr", "show")
    )
    routes = sorted(json.dumps(r, sort_keys=True) for r in ip_json("route", "show", "table", "all"))
    nft = subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True)
    sysctl = {k: open(f"/proc/sys/net/ipv4/{k}").read() for k in ("ip_forward", "conf/all/forwarding")}
    return {
        "links": links,
        "addrs": addrs,
        "routes": routes,
        "nft": nft.stdout,
        "sysctl": sysctl,
        "hostname": socket.gethostname(),
    }


def test_root_namespace_is_never_modified(lab_name):
    before = _root_snapshot()
    marker = secrets.token_hex(4)
    labapi.apply(every_kind_plan(lab_name, marker))
    try:
        during = _root_snapshot()
        # a process in a node has the node's hostname, the machine keeps its own
        c1 = plans.ns(lab_name, "c1")
        out = nettools.py(c1, "c1", "import socket; print(socket.gethostname())").stdout.strip()
        assert out == "c1"
    finally:
        labapi.destroy(lab_name)
    after = _root_snapshot()
    assert during == before
    assert after == before


def test_someone_elses_namespace_is_never_touched(lab_name):
    from netlab.errors import InputError
    from netlab.kernel import nsfs
    from netlab.kernel.worker import run_in_thread

    plan = plans.bridge_lab(lab_name, containers=2)
    foreign = plans.ns(lab_name, "c2")
    run_in_thread(lambda: os.close(nsfs.create(foreign)))  # a throwaway thread: it may stay inside
    try:
        with pytest.raises(InputError) as err:
            labapi.check_can_apply(plan)
        assert foreign in str(err.value)
        with pytest.raises(NetlabError) as err:  # the API without the up-front check
            labapi.apply(plan)
        assert f"step 'netns {foreign}' failed" in str(err.value) and "File exists" in str(err.value)
        assert nsfs.exists(foreign)  # the rollback left it alone
        assert leftovers(lab_name) == [f"/run/netns/{foreign}"]
    finally:
        nsfs.remove(foreign)


def test_down_all_removes_every_lab_of_its_state_dir(tmp_path):
    names = [plans.lab_name(), plans.lab_name()]
    env = {"NETLAB_RUN_DIR": str(tmp_path / "run")}  # a private state dir: --all sees only these
    try:
        for i, name in enumerate(names):
            topo = tmp_path / f"{name}.yaml"
            topo.write_text(
                f"lab: {name}\nnodes:\n  host: {{}}\n  a: {{networks: [n]}}\n"
                f"networks:\n  n: {{subnet: 10.64.{i}.0/24}}\n"
            )
            assert run_cli("up", str(topo), env=env).returncode == 0
        listing = json.loads(run_cli("status", "--json", env=env).stdout)
        assert sorted(r["lab"] for r in listing["labs"]) == sorted(names)
        result = run_cli("down", "--all", "--json", env=env)
        assert result.returncode == 0 and len(json.loads(result.stdout)) == 2
        assert [
            p for p in (tmp_path / "run").iterdir() if p.is_dir()
        ] == []  # (a feature cache file may stay)
        for name in names:
            assert not [n for n in os.listdir("/run/netns") if n.startswith(f"netlab-{name}-")]
            assert not os.path.exists(f"/etc/netns/netlab-{name}-a")
    finally:
        run_cli("down", "--all", env=env)


def test_stop_and_restart_a_process_of_a_running_lab(lab_factory, lab_name):
    lab_factory(plans.bridge_lab(lab_name, containers=1, publish=[("c1", 18081, 7002)]))
    host, c1 = plans.ns(lab_name, "host"), plans.ns(lab_name, "c1")
    server = nettools.start_echo_server(c1, "c1", "0.0.0.0", 7002)
    try:
        assert nettools.tcp_request(host, "host", "127.0.0.1", 18081, "before").stdout.startswith(
            "echo:before"
        )
        assert labapi.stop_process(lab_name, "host/port-proxy").state == "killed"
        assert nettools.tcp_request(host, "host", "127.0.0.1", 18081, "x").returncode == 1
        pid = labapi.start_process(lab_name, "host/port-proxy")
        state = labapi.load_lab(lab_name)
        step = next(s for s in state.process_steps if s.name == "port-proxy")
        assert state.process_state(step).state == "running" and state.process_state(step).pid == pid
        assert nettools.tcp_request(host, "host", "127.0.0.1", 18081, "after").stdout.startswith("echo:after")
    finally:
        server.kill()
        server.wait()


def test_down_stops_unrecorded_processes_inside_the_nodes(lab_factory, lab_name):
    """A process `up` started but could not record (killed in between), or one left by
    `netlab exec`, is found by its network namespace and stopped; nothing outside is touched."""
    from netlab.kernel.launcher import popen_in_node

    marker = secrets.token_hex(4)
    extra = (
        Process(
            plans.ns(lab_name, "c1"),
            "c1",
            "recorded",
            (sys.executable, "-c", "import time; time.sleep(4000)", marker),
        ),
    )
    lab_factory(plans.bridge_lab(lab_name, containers=1, extra=extra))
    labapi.lab_paths(lab_name).process("c1", "recorded").pidfile.unlink()  # as if killed before writing it
    stray = popen_in_node(
        plans.ns(lab_name, "c1"),
        "c1",
        [sys.executable, "-c", "import time; time.sleep(4000)", marker],
        start_new_session=True,
    )
    outsider = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(4000)", marker]
    )  # root namespace
    try:
        node_ino = os.stat(f"/run/netns/{plans.ns(lab_name, 'c1')}").st_ino
        for _ in range(500):  # the stray's start is asynchronous: wait until it is inside c1
            if len(processes_with(marker)) >= 4 and os.stat(f"/proc/{stray.pid}/ns/net").st_ino == node_ino:
                break
            time.sleep(0.01)
        result = labapi.destroy(lab_name)
        assert result.processes_stopped >= 2
        stray.wait(5)
        assert processes_with(marker) == [outsider.pid]  # only the process outside the lab survives
        assert leftovers(lab_name) == []
    finally:
        outsider.kill()
        outsider.wait()
        if stray.poll() is None:
            stray.kill()
