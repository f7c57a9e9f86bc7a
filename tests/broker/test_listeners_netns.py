"""Two listeners seen from a client (kafka.md "What clients are told"), in a throwaway network
namespace that holds only loopback and resolves names from files only, so the failing lookup of
`broker-1` never reaches the machine's resolver."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from brokerproc import start_broker

pytestmark = [pytest.mark.root, pytest.mark.clients]

NS_PREFIX = "nltest-broker-"


@pytest.fixture
def netns():
    """A namespace with lo up and /etc/netns/<ns>/{nsswitch.conf,hosts,resolv.conf}; deleted by name."""
    if not shutil.which("ip") or not shutil.which("kcat"):
        from support import not_runnable_here

        not_runnable_here("iproute2 and kcat are needed")
    name = NS_PREFIX + uuid.uuid4().hex[:8]
    etc = Path("/etc/netns") / name
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        etc.mkdir(parents=True)
        (etc / "nsswitch.conf").write_text("hosts: files\n")
        (etc / "hosts").write_text("127.0.0.1 localhost\n::1 localhost\n")
        (etc / "resolv.conf").write_text("# no DNS inside this test namespace\n")
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)
        if etc.is_dir():
            shutil.rmtree(etc)


def kcat_in(ns: str, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ip", "netns", "exec", ns, "kcat", *args], input=input, capture_output=True, timeout=60
    )


@pytest.mark.slow
def test_two_listeners_per_listener_metadata_and_unresolvable_advertised_host(tmp_path, netns):
    bp = start_broker(
        tmp_path,
        [
            "listeners=INTERNAL://127.0.0.1:29092,EXTERNAL://127.0.0.1:9092",
            "advertised.listeners=INTERNAL://broker-1:29092,EXTERNAL://localhost:9092",
            "listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
            "inter.broker.listener.name=INTERNAL",
        ],
        port=9092,
        prefix=["ip", "netns", "exec", netns],
    )
    try:
        assert bp.proc.poll() is None, bp.output()
        out = bp.output()
        assert "Awaiting socket connections on 127.0.0.1:29092." in out
        assert "Awaiting socket connections on 127.0.0.1:9092." in out
        internal = kcat_in(netns, "-b", "127.0.0.1:29092", "-L")
        external = kcat_in(netns, "-b", "127.0.0.1:9092", "-L")
        assert internal.returncode == 0 and external.returncode == 0
        assert (
            "broker 1 at broker-1:29092" in internal.stdout.decode()
        )  # -L never touches the advertised host
        assert "broker 1 at localhost:9092" in external.stdout.decode()
        bad = kcat_in(
            netns,
            "-b",
            "127.0.0.1:29092",
            "-P",
            "-t",
            "via-internal",
            "-X",
            "message.timeout.ms=3000",
            input=b"lost\n",
        )
        err = bad.stderr.decode()
        assert "Failed to resolve 'broker-1:29092'" in err, err
        assert "Delivery failed" in err or bad.returncode != 0
        good = kcat_in(netns, "-b", "127.0.0.1:9092", "-P", "-t", "via-external", input=b"kept\n")
        assert good.returncode == 0, good.stderr
        back = kcat_in(
            netns, "-b", "127.0.0.1:9092", "-C", "-t", "via-external", "-o", "beginning", "-e", "-q"
        )
        assert back.stdout == b"kept\n"
    finally:
        assert bp.stop() == 0, bp.output()


def test_empty_advertised_host_becomes_the_host_name(tmp_path, netns):
    import socket

    bp = start_broker(
        tmp_path,
        ["listeners=PLAINTEXT://127.0.0.1:9093", "advertised.listeners=PLAINTEXT://:9093"],
        port=9093,
        prefix=["ip", "netns", "exec", netns],
    )
    try:
        host = socket.gethostname()  # not in the namespace's hosts file: the lookup fails at once
        assert f"PLAINTEXT: resolved wildcard host to {host}" in bp.output()
        md = kcat_in(netns, "-b", "127.0.0.1:9093", "-L")
        assert f"broker 1 at {host}:9093" in md.stdout.decode()
    finally:
        assert bp.stop() == 0


def test_unresolvable_listener_host_fails_to_bind(tmp_path, netns):
    bp = start_broker(
        tmp_path,
        ["listeners=PLAINTEXT://no-such-host:9092", "advertised.listeners=PLAINTEXT://localhost:9092"],
        prefix=["ip", "netns", "exec", netns],
        wait_for="Prepare to shutdown",
    )
    assert bp.proc.wait(20) == 1
    assert "Socket server failed to bind to no-such-host:9092: Unresolved address." in bp.output()
