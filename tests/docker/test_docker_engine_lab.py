"""`sudo netlab up --engine docker FILE`: the default lab on a dockerd netlab starts in the lab's
Docker-host node; check, logs and capture work as on a namespace lab; down leaves nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from dockerlab import REPO, netlab_cli, start_test_engine, stop_test_engine

from netlab.docker.engine import cgroup_mounts, cgroup_parent
from netlab.docker.image import ensure_image, node_mounts

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

LAB = "dkengine"


def _netlab(*args: str, env: dict, timeout: float = 180) -> subprocess.CompletedProcess:
    return netlab_cli(*args, env=env, timeout=timeout)


@pytest.fixture
def env():
    # short: containerd's socket lands 45 characters below it, and a unix socket path has 107
    run_dir = Path(tempfile.mkdtemp(prefix="nl", dir="/tmp"))
    yield {"NETLAB_RUN_DIR": str(run_dir)}
    netlab_cli("down", LAB, env={"NETLAB_RUN_DIR": str(run_dir)}, timeout=120)
    shutil.rmtree(run_dir, ignore_errors=True)


def _engine_cgroups(run_dir: Path) -> list[Path]:
    name = cgroup_parent(run_dir / LAB / "docker").lstrip("/")
    return [Path(target) / name for target, *_ in cgroup_mounts() if (Path(target) / name).exists()]


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
    assert _engine_cgroups(run_dir) == []  # down removes what the engine made in the cgroup trees
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


def test_an_engine_killed_with_its_containers_leaves_no_cgroup():
    """Containers go under the engine's own cgroup parent (not the machine Docker's /docker), and
    stop_engine removes what a SIGKILLed engine could not (the cgroups of its containers)."""
    root = Path(tempfile.mkdtemp(prefix="nl", dir="/tmp"))  # short: unix socket paths below it
    t = start_test_engine("cg", root / "e")
    mine = [Path(target) / cgroup_parent(t.engine.root).lstrip("/") for target, *_ in cgroup_mounts()]
    try:
        ctr = t.client.containers.run(
            ensure_image(t.client),
            ["/usr/bin/sleep", "infinity"],
            detach=True,
            network_mode="none",
            volumes=node_mounts(),
        )
        assert any(p.is_dir() and any(q.is_dir() for q in p.iterdir()) for p in mine), mine
        assert ctr.id  # running under the engine's own parent
        for pid in _descendants(t.engine.pid):  # the whole engine dies at once: no clean stop
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    finally:
        stop_test_engine(t)
        shutil.rmtree(root, ignore_errors=True)
    assert [str(p) for p in mine if p.exists()] == []
