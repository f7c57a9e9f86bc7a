"""Pure parts of the lab engine: names, hosts files, fail-at specs, pid safety."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from netlab.errors import InputError
from netlab.kernel import processes
from netlab.kernel.hostsfiles import NSSWITCH, render_hosts
from netlab.lab.apply import parse_fail_at
from netlab.lab.paths import LabPaths, check_lab_name


@pytest.mark.parametrize("name", ["default", "t1a2b3", "k8s_lab_2", "a"])
def test_good_lab_names(name):
    assert check_lab_name(name) == name


@pytest.mark.parametrize("name", ["", "Bad", "../etc", "a/b", "-x", "a-b", "a.b", "x" * 33])
def test_bad_lab_names_are_input_errors(name):
    with pytest.raises(InputError) as err:
        check_lab_name(name)
    assert err.value.exit_code == 2 and "lab name" in err.value.message


def test_lab_paths_layout():
    p = LabPaths("demo")
    files = p.process("broker", "kafka")
    assert str(p.journal).endswith("/demo/journal.jsonl") and str(p.plan).endswith("/demo/plan.json")
    assert str(files.pidfile).endswith("/demo/pids/broker.kafka.pid")
    assert str(files.logfile).endswith("/demo/logs/broker.kafka.log")


def test_hosts_file_adds_localhost_once_and_lists_entries():
    text = render_hosts((("10.5.0.3", ("broker", "kafka")),))
    assert "127.0.0.1\tlocalhost" in text and "10.5.0.3\tbroker kafka" in text
    own = render_hosts((("127.0.0.1", ("localhost",)), ("10.5.0.3", ("broker",))))
    assert own.count("localhost") == 1
    assert "hosts:      files\n" in NSSWITCH and "dns" not in NSSWITCH


def test_fail_at_spec():
    assert parse_fail_at(None) is None and parse_fail_at("") is None
    assert parse_fail_at("veth") == ("veth", 1)
    assert parse_fail_at("address:7") == ("address", 7)


def test_recycled_pid_is_never_signalled(tmp_path):
    """A pid file whose start time does not match the live process must not be acted on."""
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    try:
        real = processes.proc_starttime(victim.pid)
        assert real is not None
        pidfile = tmp_path / "x.pid"
        pidfile.write_text(f"{victim.pid} {real - 1}\n")  # same pid, another process's start time
        files = processes.ProcFiles(pidfile, tmp_path / "x.exit", tmp_path / "x.log")
        assert processes.state(files).state == "killed"
        assert processes.stop_many([pidfile], timeout=0.2) == []
        time.sleep(0.05)
        assert victim.poll() is None  # untouched
        pidfile.write_text(f"{victim.pid} {real}\n")
        assert processes.state(files).state == "running"
        processes.stop_many([pidfile], timeout=2)
        assert victim.wait(5) == -15
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()


def test_own_start_time_is_readable():
    assert processes.proc_starttime(os.getpid()) > 0
    assert processes.proc_starttime(2**22 + 12345) is None


def test_kernel_order_keeps_per_namespace_order_and_starts_early():
    from netlab.lab.apply import kernel_order, step_namespaces
    from netlab.resources import Address, Bridge, LinkUp, Route, Veth

    h, a, b = "netlab-x-host", "netlab-x-a", "netlab-x-b"
    plan_steps = [
        Bridge(h, "br0", "n"),
        Veth(a, "eth0", h, "va", b_master="br0"),
        Veth(b, "eth0", h, "vb", b_master="br0"),
        Address(a, "eth0", "10.0.0.2/24"),
        Address(b, "eth0", "10.0.0.3/24"),
        LinkUp(h, "va"),
        LinkUp(a, "eth0"),
        LinkUp(b, "eth0"),
        Route(a, "default", gateway="10.0.0.1"),
    ]
    ordered = kernel_order(plan_steps, [h, a, b])
    assert sorted(map(repr, ordered)) == sorted(map(repr, plan_steps))  # same steps
    for ns in (h, a, b):  # per namespace, exactly the plan's order
        assert [s for s in ordered if ns in step_namespaces(s)] == [
            s for s in plan_steps if ns in step_namespaces(s)
        ]
    # a's address, up and route no longer wait for b's namespace and veth
    assert ordered.index(plan_steps[8]) < ordered.index(plan_steps[2])


def test_feature_cache_keeps_only_present_features_of_this_boot(tmp_path, monkeypatch):
    import json as _json

    from netlab.kernel import probes

    monkeypatch.setenv("NETLAB_RUN_DIR", str(tmp_path))
    probes._remember_present({"veth", "bridge"})
    assert probes._known_present() == {"veth", "bridge"}
    data = _json.loads((tmp_path / ".features.json").read_text())
    data["boot_id"] = "another-boot"
    (tmp_path / ".features.json").write_text(_json.dumps(data))
    assert probes._known_present() == set()  # a reboot forgets everything
