"""Fixtures for netlab.kafka tests: throwaway namespaces and real `python -m broker` processes.

Namespaces are named ``nltest-kafka-<pid>-<tag>``, get /etc/netns/<ns>/{hosts,nsswitch.conf
("hosts: files"),resolv.conf} so no lookup inside can reach a DNS server, have only loopback,
and are deleted by the exact name recorded when they were made. Processes are stopped by the pid
recorded when they were started.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pyroute2 import NetNS, netns

# The broker of the brief: INTERNAL on 127.0.0.1:29092 advertised as broker-1:29092 (a name that
# resolves nowhere in the namespace), EXTERNAL on 127.0.0.1:9092 advertised as localhost:9092.
TWO_LISTENERS = {
    "node.id": "1",
    "listeners": "INTERNAL://127.0.0.1:29092,EXTERNAL://127.0.0.1:9092",
    "advertised.listeners": "INTERNAL://broker-1:29092,EXTERNAL://localhost:9092",
    "listener.security.protocol.map": "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
    "inter.broker.listener.name": "INTERNAL",
}

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


class Netns:
    def __init__(self, tag: str, hosts: dict[str, str] | None = None):
        self.name = f"nltest-kafka-{os.getpid()}-{tag}"
        netns.create(self.name)
        self.etc = Path("/etc/netns") / self.name
        try:
            self.etc.mkdir(parents=True, exist_ok=True)
            (self.etc / "nsswitch.conf").write_text("hosts: files\n")
            (self.etc / "resolv.conf").write_text("")
            lines = ["127.0.0.1 localhost"] + [f"{ip} {n}" for n, ip in (hosts or {}).items()]
            (self.etc / "hosts").write_text("\n".join(lines) + "\n")
            with NetNS(self.name) as ipr:
                ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")
        except BaseException:
            self.destroy()
            raise

    @property
    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def run(self, *argv: str, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.prefix + list(argv), timeout=timeout, capture_output=True, text=True, cwd=REPO, **kw
        )

    def bridge(self, name: str, cidr: str) -> None:
        """A bridge inside this namespace (where Docker keeps br-xxxx), with an address."""
        with NetNS(self.name) as ipr:
            ipr.link("add", ifname=name, kind="bridge")
            idx = ipr.link_lookup(ifname=name)[0]
            addr, plen = cidr.split("/")
            ipr.addr("add", index=idx, address=addr, prefixlen=int(plen))
            ipr.link("set", index=idx, state="up")

    def attach(self, other: Netns, bridge: str, port_if: str, cidr: str) -> None:
        """A veth from this namespace's bridge to eth0 of `other` (made here, never in the root
        namespace), with `cidr` on the far end."""
        with NetNS(self.name) as ipr:
            ipr.link("add", ifname=port_if, kind="veth", peer={"ifname": "eth0", "net_ns_fd": other.name})
            idx = ipr.link_lookup(ifname=port_if)[0]
            ipr.link("set", index=idx, master=ipr.link_lookup(ifname=bridge)[0], state="up")
        with NetNS(other.name) as ipr:
            idx = ipr.link_lookup(ifname="eth0")[0]
            addr, plen = cidr.split("/")
            ipr.addr("add", index=idx, address=addr, prefixlen=int(plen))
            ipr.link("set", index=idx, state="up")

    def popen(self, *argv: str, **kw) -> subprocess.Popen:
        return subprocess.Popen(self.prefix + list(argv), cwd=REPO, **kw)

    def destroy(self) -> None:
        try:
            netns.remove(self.name)
        except OSError:
            pass
        shutil.rmtree(self.etc, ignore_errors=True)


@dataclass
class Broker:
    proc: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def start_broker(
    props: dict[str, str],
    tmp: Path,
    prefix: list[str] | None = None,
    wait_for: str = "started",
    timeout: float = 15,
) -> Broker:
    """`python -m broker --no-env` with the given settings; waits for `wait_for` or the exit."""
    props = {"log.dirs": str(tmp / f"logs-{time.monotonic_ns()}"), **props}
    cmd = list(prefix or []) + [PYTHON, "-m", "broker", "--no-env"]
    for k, v in props.items():
        cmd += ["--override", f"{k}={v}"]
    log_path = tmp / f"broker-{time.monotonic_ns()}.log"
    with open(log_path, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    broker = Broker(proc, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and wait_for not in broker.output():
        time.sleep(0.05)
    return broker


def run_broker_to_exit(
    props: dict[str, str], tmp: Path, prefix: list[str] | None = None, timeout: float = 20
) -> tuple[int | None, str]:
    """A broker expected to refuse its config or fail to bind: its exit status and log."""
    b = start_broker(props, tmp, prefix, wait_for="\0never\0", timeout=0)
    try:
        b.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
    finally:
        b.stop()
    return b.proc.returncode, b.output()


def fatal_line(log: str) -> str | None:
    """The `<java class>: <message>` line under Kafka's fatal error line."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if (
            "Exiting Kafka due to fatal exception" in line or "Fatal error during broker startup" in line
        ) and i + 1 < len(lines):
            return lines[i + 1]
    return None
