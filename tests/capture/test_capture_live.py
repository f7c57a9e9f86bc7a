"""Live AF_PACKET capture in throwaway namespaces, checked with tshark and against tcpdump."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pyroute2 import NetNS

from netlab.capture.capture import Capture
from netlab.capture.pcapio import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, PcapWriter, read_packets

pytestmark = pytest.mark.root

SEND = """
import socket, sys
dst, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"netlab-%d" % i, (dst, 5000))
t = socket.socket()
try:
    t.connect((dst, 29092))
except OSError as e:
    print(e)
"""


def send(lab, ns, dst, n=50):
    r = lab.run(ns, sys.executable, "-c", SEND, dst, str(n), capture_output=True, text=True, timeout=30)
    assert "Connection refused" in r.stdout, r


def tshark(path, *fields, display="") -> list[list[str]]:
    argv = ["tshark", "-r", str(path), "-T", "fields"] + [x for f in fields for x in ("-e", f)]
    if display:
        argv += ["-Y", display]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout
    return [line.split("\t") for line in out.splitlines()]


class Running:
    """A Capture running in a thread, written to a pcap; stop() waits for it."""

    def __init__(self, cap: Capture, path: Path, **limits):
        self.cap, self.path = cap, path
        self.writer = PcapWriter(path, cap.linktype)
        self.stats = None
        self.thread = threading.Thread(target=self._run, kwargs=limits)
        self.thread.start()

    def _run(self, **limits):
        self.stats = self.cap.run(self.writer.write, **limits)

    def wait_count(self, n: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.writer.count < n and time.monotonic() < deadline and self.thread.is_alive():
            time.sleep(0.02)

    def stop(self):
        self.cap.stop()
        self.thread.join(15)
        assert not self.thread.is_alive()
        self.writer.close()
        self.cap.close()
        return self.stats


def two_nodes(lab):
    a, b = lab.ns("a"), lab.ns("b")
    lab.veth(a, "eth0", "10.77.0.1/24", b, "eth0", "10.77.0.2/24")
    return a, b


@pytest.mark.parametrize("ring", [True, False], ids=["ring", "recvmsg"])
def test_one_interface_matches_tcpdump(lab, tmp_path, ring):
    a, b = two_nodes(lab)
    td_pcap = tmp_path / "tcpdump.pcap"
    td = lab.popen(
        b,
        "tcpdump",
        "-Z",
        "root",
        "-U",
        "-i",
        "eth0",
        "-n",
        "-w",
        str(td_pcap),
        "udp or tcp",
        stderr=subprocess.PIPE,
        text=True,
    )
    assert "listening on" in td.stderr.readline()
    run = Running(Capture(b, "eth0", ring=ring), tmp_path / "netlab.pcap")
    assert run.cap.linktype == LINKTYPE_ETHERNET
    assert (run.cap.ring is not None) == ring
    send(lab, a, "10.77.0.2", 50)
    run.wait_count(52)
    stats = run.stop()
    # tcpdump hands packets over a ring block at a time (its immediate mode drops bursts here):
    # wait until its file holds the 50 datagrams + SYN + RST
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sum(1 for _ in read_packets(td_pcap)[1]) < 52:
        time.sleep(0.05)
    td.send_signal(signal.SIGINT)
    td.wait(10)
    shown = "(udp.dstport==5000 and not icmp) or tcp"
    ours = tshark(run.path, "ip.src", "ip.dst", "udp.dstport", "tcp.flags.str", display=shown)
    theirs = tshark(td_pcap, "ip.src", "ip.dst", "udp.dstport", "tcp.flags.str", display=shown)
    assert len([r for r in ours if r[2] == "5000"]) == 50
    assert ours == theirs  # the same packets, in the same order, field for field
    assert stats.kernel_dropped == 0


@pytest.mark.parametrize("ring", [True, False], ids=["ring", "recvmsg"])
def test_all_interfaces_is_cooked_and_shows_loopback_once(lab, tmp_path, ring):
    a, b = two_nodes(lab)
    run = Running(Capture(b, None, ring=ring), tmp_path / "any.pcap")
    assert run.cap.linktype == LINKTYPE_LINUX_SLL2
    send(lab, a, "10.77.0.2", 10)
    send(lab, b, "127.0.0.1", 10)
    run.wait_count(24)
    run.stop()
    rows = tshark(
        run.path, "sll.ifindex", "ip.src", "ip.dst", "udp.dstport", display="udp.dstport==5000 and not icmp"
    )
    with NetNS(b) as ipr:
        lo, eth0 = ipr.link_lookup(ifname="lo")[0], ipr.link_lookup(ifname="eth0")[0]
    assert sorted({(r[0], r[1]) for r in rows}) == [(str(lo), "127.0.0.1"), (str(eth0), "10.77.0.1")]
    assert len([r for r in rows if r[1] == "127.0.0.1"]) == 10  # not 20: outgoing loopback copies dropped
    assert len([r for r in rows if r[1] == "10.77.0.1"]) == 10


def test_bridge_capture_sees_traffic_between_other_ports(lab, tmp_path):
    hub, a, b = lab.ns("hub"), lab.ns("a"), lab.ns("b")
    with NetNS(hub) as ipr:
        ipr.link("add", ifname="br0", kind="bridge")
        ipr.link("set", index=ipr.link_lookup(ifname="br0")[0], state="up")
    lab.veth(a, "eth0", "10.78.0.1/24", hub, "pa", "192.168.255.1/32")
    lab.veth(b, "eth0", "10.78.0.2/24", hub, "pb", "192.168.255.2/32")
    with NetNS(hub) as ipr:
        br = ipr.link_lookup(ifname="br0")[0]
        for port in ("pa", "pb"):
            idx = ipr.link_lookup(ifname=port)[0]
            ipr.flush_addr(index=idx)
            ipr.link("set", index=idx, master=br)
    run = Running(Capture(hub, "br0"), tmp_path / "br.pcap")
    send(lab, a, "10.78.0.2", 20)
    run.wait_count(22)
    run.stop()
    rows = tshark(run.path, "ip.src", "ip.dst", display="udp.dstport==5000 and not icmp")
    assert rows == [["10.78.0.1", "10.78.0.2"]] * 20
    syn_rst = tshark(run.path, "tcp.flags.str", display="tcp.port==29092")
    assert len(syn_rst) == 2  # SYN and the RST answering it, both seen on the bridge


def test_bpf_filter_and_count_limit(lab, tmp_path):
    a, b = two_nodes(lab)
    run = Running(Capture(b, "eth0", bpf="tcp port 29092"), tmp_path / "f.pcap", count=2)
    send(lab, a, "10.77.0.2", 30)
    run.thread.join(10)
    stats = run.stop()
    assert stats.captured == 2
    rows = tshark(run.path, "tcp.srcport", "tcp.dstport", "tcp.flags.str")
    assert [r[1] for r in rows][:1] == ["29092"] and rows[1][0] == "29092"  # the SYN and its RST only


def test_duration_limit_without_traffic(lab, tmp_path):
    _a, b = two_nodes(lab)
    cap = Capture(b, "eth0", bpf="udp port 9")
    t0 = time.monotonic()
    stats = cap.run(lambda *a: None, duration=0.5)
    cap.close()
    assert 0.4 < time.monotonic() - t0 < 10  # it ended near its duration, not with traffic
    assert stats.captured == 0


def test_bad_interface_and_filter_are_input_errors(lab):
    from netlab.errors import InputError

    _a, b = two_nodes(lab)
    with pytest.raises(InputError, match="no interface 'eth9'"):
        Capture(b, "eth9")
    with pytest.raises(InputError, match="does not compile"):
        Capture(b, "eth0", bpf="tcp port")
    with pytest.raises(InputError, match="does not exist"):
        Capture("nltest-cap-no-such-ns", None)


def test_cli_capture_stops_cleanly_on_ctrl_c(lab, tmp_path):
    a, b = two_nodes(lab)
    out = tmp_path / "cli.pcap"
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlab", "capture", "--netns", b, "eth0", "-w", str(out)],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr.readline().startswith("capturing on")
    send(lab, a, "10.77.0.2", 5)
    proc.send_signal(signal.SIGINT)  # at once: what the socket already queued is still written
    assert proc.wait(10) == 0
    assert "packets captured" in proc.stderr.read()
    assert len(tshark(out, "udp.dstport", display="udp.dstport==5000 and not icmp")) == 5


def test_cli_summary_lines_and_errors(lab, tmp_path):
    a, b = two_nodes(lab)
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlab", "capture", "--netns", b, "eth0", "--count", "3", "--filter", "udp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr.readline().startswith("capturing on")
    send(lab, a, "10.77.0.2", 3)
    stdout, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    lines = stdout.splitlines()
    assert len(lines) == 3 and all(
        "10.77.0.1:" in line and "10.77.0.2:" in line and "UDP" in line for line in lines
    ), lines
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "netlab",
            "capture",
            "--netns",
            b,
            "eth0",
            "--count",
            "2",
            "--filter",
            "udp",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr.readline().startswith("capturing on")
    send(lab, a, "10.77.0.2", 2)
    stdout, _ = proc.communicate(timeout=10)
    objs = [json.loads(line) for line in stdout.splitlines()]
    assert [o["len"] for o in objs] == [50, 50]  # Ethernet 14 + IP 20 + UDP 8 + "netlab-0"
    assert all("10.77.0.2:5000" in o["summary"] for o in objs)
    bad = subprocess.run(
        [sys.executable, "-m", "netlab", "capture", "--netns", b, "eth9", "--count", "1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2 and "no interface 'eth9'" in bad.stderr


def test_cli_with_a_lab_plan(lab, tmp_path, monkeypatch):
    """The lab's plan names namespaces, bridges, addresses and broker listener ports."""
    from typer.testing import CliRunner

    from netlab.capture import labinfo
    from netlab.cli import app
    from netlab.errors import InputError

    a, b = two_nodes(lab)
    props = tmp_path / "server.properties"
    props.write_text("node.id=1\nlisteners=PLAINTEXT://:9092,INTERNAL://:29092\n")
    plan = {
        "lab": "demo",
        "steps": [
            {"kind": "netns", "node": "client", "netns": a},
            {"kind": "netns", "node": "broker-1", "netns": b},
            {
                "kind": "process",
                "netns": b,
                "node": "broker-1",
                "name": "kafka",
                "role": "broker",
                "argv": [sys.executable, "-m", "broker", str(props)],
            },
        ],
        "meta": {
            "nodes": {
                "client": {"netns": a, "networks": {"n": {"ifname": "eth0", "address": "10.77.0.1/24"}}},
                "broker-1": {
                    "netns": b,
                    "networks": {"n": {"ifname": "eth0", "address": "10.77.0.2/24", "aliases": ["kafka"]}},
                },
            },
            "networks": {"n": {"node": "broker-1", "bridge": None, "subnet": "10.77.0.0/24"}},
        },
    }
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "plan.json").write_text(json.dumps(plan))
    from netlab import lab_paths

    monkeypatch.setattr(lab_paths, "RUN_DIR", tmp_path)  # where the lab engine's loader looks
    info = labinfo.lab_info("demo")
    assert info.kafka_ports == {9092, 29092}
    assert info.names == {"10.77.0.1": "client", "10.77.0.2": "broker-1"}
    assert info.hosts["kafka"] == {"10.77.0.2"}
    runner = CliRunner()
    threading.Timer(0.5, send, (lab, a, "10.77.0.2", 1)).start()
    result = runner.invoke(app, ["capture", "demo", "broker-1", "--kafka", "--duration", "3"])
    assert result.exit_code == 0, result.output
    assert "client → 10.77.0.2:29092  SYN … RST (connection refused)" in result.output
    for args, message in (
        (["capture", "nope", "x"], "'nope'"),
        (["capture", "demo", "ghost"], "has no node 'ghost'"),
        (["capture", "demo", "--network", "n"], "no bridged network 'n'"),
    ):
        result = runner.invoke(app, args)  # in-process: the InputError reaches us (main() maps it to exit 2)
        assert isinstance(result.exception, InputError) and result.exception.exit_code == 2, (args, result)
        assert message in str(result.exception)


@pytest.mark.parametrize("ring", [True, False], ids=["ring", "recvmsg"])
def test_capture_ends_cleanly_when_the_interface_goes_away(lab, tmp_path, ring):
    a, b = two_nodes(lab)
    run = Running(Capture(b, "eth0", ring=ring), tmp_path / "gone.pcap")
    send(lab, a, "10.77.0.2", 3)
    run.wait_count(5)
    with NetNS(a) as ipr:  # deleting one end of the veth pair deletes both
        ipr.link("del", index=ipr.link_lookup(ifname="eth0")[0])
    run.thread.join(10)
    assert not run.thread.is_alive(), "capture did not notice its interface disappeared"
    stats = run.stop()
    assert stats.ended and "went away" in stats.ended
    assert len(tshark(run.path, "udp.dstport", display="udp.dstport==5000 and not icmp")) == 3


def test_down_interface_is_refused_up_front(lab):
    from netlab.errors import InputError

    _a, b = two_nodes(lab)
    with NetNS(b) as ipr:
        ipr.link("set", index=ipr.link_lookup(ifname="eth0")[0], state="down")
    with pytest.raises(InputError, match="is down"):
        Capture(b, "eth0")
