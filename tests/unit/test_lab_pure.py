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
