"""`sudo netlab up --engine docker FILE`: the default lab on a dockerd netlab starts in the lab's
Docker-host node; check, logs and capture work as on a namespace lab; down leaves nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from dockerlab import REPO

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

LAB = "dkengine"


def _netlab(*args: str, env: dict, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "netlab", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


@pytest.fixture
def env():
    # short: containerd's socket lands 45 characters below it, and a unix socket path has 107
    run_dir = Path(tempfile.mkdtemp(prefix="nl", dir="/tmp"))
    yield {**os.environ, "PYTHONPATH": str(REPO), "NETLAB_RUN_DIR": str(run_dir)}
    subprocess.run(
        [sys.executable, "-m", "netlab", "down", LAB],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "NETLAB_RUN_DIR": str(run_dir)},
    )
    shutil.rmtree(run_dir, ignore_errors=True)


def _topology(tmp_path: Path) -> Path:
    text = re.sub(r"^lab: .*$", f"lab: {LAB}", (REPO / "topologies" / "default.yaml").read_text(), flags=re.M)
    path = tmp_path / "default.yaml"
    path.write_text(text)
    return path


def _engine_pid(run_dir: Path) -> int:
    pidfile = next((run_dir / LAB / "pids").glob("*dockerd*"))
    return int(pidfile.read_text().split()[0])


def _descendants(pid: int) -> set[int]:
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        for k in map(int, kids):
            out.add(k)
            todo.append(k)
    return out


def test_up_check_logs_capture_down(env, tmp_path):
    cp = _netlab("up", "--engine", "docker", str(_topology(tmp_path)), "--json", env=env)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    made = json.loads(cp.stdout)
    assert made["engine"] == "docker" and made["host"] == "host"
    run_dir = Path(env["NETLAB_RUN_DIR"])
    engine = _engine_pid(run_dir)
    family = _descendants(engine)
    assert len(family) >= 5  # dockerd, containerd, shims, the containers' processes

    cp = _netlab("check", LAB, "--json", env=env)
    rows = json.loads(cp.stdout)
    assert cp.returncode == 0, cp.stderr  # every row as the topology's expect: says
    assert [r["ok"] for r in rows] == [True, True, False, False, True, False, False, True]

    cp = _netlab("logs", LAB, "broker", env=env)
    assert cp.returncode == 0 and "started (kafka.server.KafkaServer)" in cp.stdout, cp.stderr

    cp = _netlab("capture", LAB, "broker", "-c", "1", "-d", "3", env=env)
    assert cp.returncode == 0, cp.stderr
    assert "capturing on /proc/" in cp.stderr

    cp = _netlab("down", LAB, env=env)
    assert cp.returncode == 0, cp.stderr
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in family | {engine}):
        time.sleep(0.1)
    assert not [p for p in family | {engine} if Path(f"/proc/{p}").exists()]
    assert not (run_dir / LAB).exists()
    assert f"netlab-{LAB}-host" not in os.listdir("/run/netns")


def test_a_killed_engine_takes_every_container_with_it(env, tmp_path):
    cp = _netlab("up", "--engine", "docker", str(_topology(tmp_path)), "--json", env=env)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    engine = _engine_pid(Path(env["NETLAB_RUN_DIR"]))
    family = _descendants(engine)
    dockerd = next(p for p in family if Path(f"/proc/{p}/comm").read_text().strip() == "dockerd")
    os.kill(dockerd, signal.SIGKILL)  # the daemon crashes: no graceful stop of anything
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in family):
        time.sleep(0.1)
    assert not [p for p in family if Path(f"/proc/{p}").exists()]
    assert _netlab("down", LAB, env=env).returncode == 0


def test_what_docker_cannot_express_is_refused_up_front(env):
    cp = _netlab("up", "--engine", "docker", str(REPO / "topologies" / "10-kubernetes.yaml"), env=env)
    assert cp.returncode == 2
    assert "networks are held by several nodes" in cp.stdout + cp.stderr
    cp = _netlab("up", "--engine", "vm", env=env)
    assert cp.returncode == 2 and "not an engine" in cp.stdout + cp.stderr
