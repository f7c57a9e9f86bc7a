"""A private Docker engine for the tests: in a throwaway namespace, removed by its exact names."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from support import not_runnable_here

from netlab.docker.engine import Engine, start_engine, stop_engine
from netlab.docker.project import connect
from netlab.topology import loads_topology

REPO = Path(__file__).resolve().parents[2]


def netlab_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180, user: int | None = None
) -> subprocess.CompletedProcess:
    """The real `netlab` command line (this checkout's), bounded in time, no stdin; `user`: run
    it as that uid (and gid, no other groups) instead of root."""
    as_user: dict = {} if user is None else {"user": user, "group": user, "extra_groups": []}
    return subprocess.run(
        [sys.executable, "-m", "netlab", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        **as_user,
    )


@dataclass
class TestEngine:
    netns: str
    engine: Engine
    client: object

    @property
    def url(self) -> str:
        return self.engine.url


def make_netns(name: str) -> None:
    """A namespace with only loopback and files-only name resolution (like a lab node)."""
    subprocess.run(["ip", "netns", "add", name], check=True)
    etc = Path("/etc/netns") / name
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "hosts").write_text("127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n")
    (etc / "nsswitch.conf").write_text("hosts: files\n")
    (etc / "resolv.conf").write_text("")
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)


def remove_netns(name: str) -> None:
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    shutil.rmtree(Path("/etc/netns") / name, ignore_errors=True)


def netns_prefix() -> str:
    """The names of this test run's engine namespaces (other runs, other helpers' too, have theirs)."""
    return f"nltest-docker-{os.getpid()}-"


def start_test_engine(tag: str, root: Path) -> TestEngine:
    if not shutil.which("dockerd") and not os.path.exists("/usr/sbin/dockerd"):
        not_runnable_here("dockerd is not installed (scripts/install.sh installs docker.io)")
    name = f"{netns_prefix()}{tag}"
    make_netns(name)
    try:
        engine = start_engine(name, root)
    except BaseException:
        remove_netns(name)
        raise
    return TestEngine(name, engine, connect(engine.url))


def stop_test_engine(t: TestEngine) -> None:
    try:
        t.client.close()  # type: ignore[attr-defined]
        stop_engine(t.engine)
    finally:
        remove_netns(t.netns)
        shutil.rmtree(t.engine.root, ignore_errors=True)


def renamed(path: Path, lab: str):
    """A shipped topology under another lab name (tests run beside other labs)."""
    text = re.sub(r"^lab: .*$", f"lab: {lab}", path.read_text(), count=1, flags=re.M)
    return loads_topology(text, str(path)).topology
