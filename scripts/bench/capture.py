#!/usr/bin/env python3
"""Capture rate of `netlab capture` side by side with tcpdump, and offline decode speed.

    sudo scripts/bench/capture.py [--seconds S] [--pps N] [--decode-packets N] [--solo] [--json]

1. Two throwaway namespaces joined by a veth; iperf3 blasts small UDP packets (64-byte payload,
   ``-u -b 0 -l 64``: as fast as it can, ~140k/s here; --pps N sets a rate instead) for S
   seconds (default 5) from A to B, while `netlab capture`
   and `tcpdump` both capture on B's veth end, same receive buffer size. Reported: sent
   (iperf3's own count), netlab_captured, tcpdump_captured (iperf3 UDP packets in each pcap),
   ratio = netlab/tcpdump (goal ≥ 0.99).
2. A broker in B, kcat -L/-P/-C from A, captured by netlab: real Kafka packets. They are
   replicated (new client ports per copy, so each copy is its own connection) and interleaved
   with the captured UDP packets into a --decode-packets pcap (default 1,000,000; about half
   Kafka), which `netlab decode` reads headers-only: decode_pps (goal ≥ 50,000), next to scapy's
   RawPcapReader merely iterating the same file (decode_vs_rawreader).
--solo adds a round with netlab capturing alone (iperf3 then gets more CPU and sends faster).
CPU pressure (PSI some avg10) before and after is printed: other work on the machine slows the
sender and the decoder, which the ratios absorb and the absolute numbers do not.

With --json the last line is one JSON object. Everything started here is stopped by pid and the
namespaces are deleted by the exact names made; no packet leaves the two namespaces.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pyroute2 import IPRoute, NetNS, netns  # noqa: E402

from netlab.capture.decode import iter_events  # noqa: E402
from netlab.capture.packets import ip_offset, tcp_ports  # noqa: E402
from netlab.capture.pcapio import PcapWriter, read_packets  # noqa: E402

A_ADDR, B_ADDR = "10.213.0.1", "10.213.0.2"
RCVBUF_KIB = 65536  # both capturers get the same 64 MiB receive buffer
IPERF_PORT = 5201


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Namespaces:
    def __init__(self) -> None:
        tag = f"nlbench-cap-{os.getpid()}"
        self.a, self.b = f"{tag}-a", f"{tag}-b"
        self.made: list[str] = []

    def __enter__(self) -> Namespaces:
        for ns in (self.a, self.b):
            netns.create(ns)
            self.made.append(ns)
            etc = Path("/etc/netns") / ns
            etc.mkdir(parents=True, exist_ok=True)
            (etc / "nsswitch.conf").write_text("hosts: files\n")
            (etc / "resolv.conf").write_text("")
            (etc / "hosts").write_text(f"127.0.0.1 localhost\n{B_ADDR} broker-1\n")
        tmp_a, tmp_b = f"nlb{os.getpid() % 100000}a", f"nlb{os.getpid() % 100000}b"
        with IPRoute() as ipr:  # the pair exists in the root namespace only until moved
            ipr.link("add", ifname=tmp_a, kind="veth", peer={"ifname": tmp_b, "net_ns_fd": self.b})
            ipr.link("set", index=ipr.link_lookup(ifname=tmp_a)[0], net_ns_fd=self.a)
        for ns, tmp, addr in ((self.a, tmp_a, A_ADDR), (self.b, tmp_b, B_ADDR)):
            with NetNS(ns) as ipr:
                idx = ipr.link_lookup(ifname=tmp)[0]
                ipr.link("set", index=idx, ifname="eth0")
                ipr.addr("add", index=idx, address=addr, prefixlen=24)
                ipr.link("set", index=idx, state="up")
                ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")
        return self

    def __exit__(self, *exc) -> None:
        for ns in reversed(self.made):
            try:
                netns.remove(ns)
            except OSError:
                pass
            shutil.rmtree(Path("/etc/netns") / ns, ignore_errors=True)

    def popen(self, ns: str, *argv: str, **kw) -> subprocess.Popen:
        return subprocess.Popen(["ip", "netns", "exec", ns, *argv], **kw)

    def run(self, ns: str, *argv: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", ns, *argv], **kw)


def wait_for(path: Path, text: str, proc: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args[3:]} exited early:\n{path.read_text(errors='replace')}")
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {text!r} in {path}")


def cpu_seconds(pid: int) -> float | None:
    """user+system CPU time a live process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)
    except (OSError, IndexError, ValueError):
        return None


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def count_udp(path: Path, port: int) -> int:
    linktype, packets = read_packets(path)
    n = 0
    for _ts, frame, _wl in packets:
        off, etype = ip_offset(linktype, frame)
        if etype == 0x0800 and len(frame) >= off + 24 and frame[off + 9] == 17:
            t = off + (frame[off] & 0x0F) * 4
            if frame[t + 2] << 8 | frame[t + 3] == port:
                n += 1
    return n


def capture_rate(ns: Namespaces, tmp: Path, seconds: float, pps: int, with_tcpdump: bool = True) -> dict:
    server = ns.popen(
        ns.b, "iperf3", "-s", "-1", "-B", B_ADDR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    tag = "" if with_tcpdump else "solo-"
    nl_pcap, td_pcap = tmp / f"{tag}netlab.pcap", tmp / "tcpdump.pcap"
    nl_err, td_err = tmp / f"{tag}netlab.err", tmp / "tcpdump.err"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    nl = subprocess.Popen(
        [sys.executable, "-m", "netlab", "capture", "--netns", ns.b, "eth0", "-w", str(nl_pcap)],
        stdout=subprocess.DEVNULL,
        stderr=open(nl_err, "w"),
        env=env,
    )
    td = None
    if with_tcpdump:
        td = ns.popen(
            ns.b,
            "tcpdump",
            "-i",
            "eth0",
            "-n",
            "-s",
            "262144",
            "-B",
            str(RCVBUF_KIB),
            "-w",
            str(td_pcap),
            stdout=subprocess.DEVNULL,
            stderr=open(td_err, "w"),
        )
    try:
        wait_for(nl_err, "capturing on", nl)
        if td is not None:
            wait_for(td_err, "listening on", td)
        time.sleep(0.5)  # iperf3 server listening
        rate_bits = pps * 64 * 8  # 0 = unlimited
        client = ns.run(
            ns.a,
            "iperf3",
            "-c",
            B_ADDR,
            "-u",
            "-l",
            "64",
            "-b",
            str(rate_bits),
            "-t",
            str(seconds),
            "--json",
            capture_output=True,
            text=True,
            timeout=seconds + 30,
        )
        time.sleep(1.0)  # let both capturers drain their buffers
        cpu = {"netlab_cpu_s": cpu_seconds(nl.pid), "tcpdump_cpu_s": cpu_seconds(td.pid) if td else None}
    finally:
        stop(nl)
        if td is not None:
            stop(td)
        stop(server, signal.SIGTERM)
    try:
        report = json.loads(client.stdout)
        sent = int(report["end"]["sum"]["packets"])
    except (ValueError, KeyError) as exc:
        raise SystemExit(
            f"iperf3 gave no count ({exc}): {client.stdout[-500:]} {client.stderr[-500:]}"
        ) from exc
    netlab_n = count_udp(nl_pcap, IPERF_PORT)
    if not with_tcpdump:
        return {
            "solo_sent": sent,
            "solo_sent_pps": round(sent / seconds),
            "solo_netlab_captured": netlab_n,
            "solo_netlab_vs_sent": round(netlab_n / sent, 4) if sent else None,
            "solo_netlab_cpu_s": cpu["netlab_cpu_s"],
            "solo_netlab_stderr": nl_err.read_text().strip().splitlines()[-1:],
        }
    tcpdump_n = count_udp(td_pcap, IPERF_PORT)
    return {
        "seconds": seconds,
        "target_pps": pps,
        "sent": sent,
        "sent_pps": round(sent / seconds),
        "netlab_captured": netlab_n,
        "tcpdump_captured": tcpdump_n,
        "ratio": round(netlab_n / tcpdump_n, 4) if tcpdump_n else None,
        "netlab_vs_sent": round(netlab_n / sent, 4) if sent else None,
        "tcpdump_vs_sent": round(tcpdump_n / sent, 4) if sent else None,
        **cpu,
        "netlab_stderr": nl_err.read_text().strip().splitlines()[-1:],
        "udp_pcap": str(nl_pcap),
    }


def kafka_sample(ns: Namespaces, tmp: Path) -> Path:
    """Real client↔broker packets: broker in B, kcat in A, captured on B's veth by netlab."""
    blog = tmp / "broker.log"
    broker = ns.popen(
        ns.b,
        sys.executable,
        "-m",
        "broker",
        "--no-env",
        "--override",
        "node.id=1",
        "--override",
        f"listeners=PLAINTEXT://{B_ADDR}:9092",
        "--override",
        "advertised.listeners=PLAINTEXT://broker-1:9092",
        "--override",
        f"log.dirs={tmp / 'kafka-logs'}",
        stdout=open(blog, "w"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    pcap, err = tmp / "kafka.pcap", tmp / "kafka.err"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cap = subprocess.Popen(
        [sys.executable, "-m", "netlab", "capture", "--netns", ns.b, "eth0", "-w", str(pcap)],
        stdout=subprocess.DEVNULL,
        stderr=open(err, "w"),
        env=env,
    )
    try:
        wait_for(blog, "started", broker)
        wait_for(err, "capturing on", cap)
        bs = f"{B_ADDR}:9092"
        ns.run(ns.a, "kcat", "-b", bs, "-L", capture_output=True, timeout=30)
        ns.run(
            ns.a,
            "kcat",
            "-b",
            bs,
            "-P",
            "-t",
            "bench",
            input=b"".join(b"record %d\n" % i for i in range(200)),
            capture_output=True,
            timeout=30,
        )
        ns.run(
            ns.a,
            "kcat",
            "-b",
            bs,
            "-C",
            "-t",
            "bench",
            "-e",
            "-o",
            "beginning",
            capture_output=True,
            timeout=30,
        )
        time.sleep(0.5)
    finally:
        stop(cap)
        stop(broker, signal.SIGTERM)
    return pcap


def build_decode_pcap(kafka_pcap: Path, udp_pcap: Path, out: Path, total: int) -> tuple[int, int]:
    """Replicate Kafka conversations (new client port per copy) and interleave UDP packets."""
    lt_k, kp = read_packets(kafka_pcap)
    kafka = [(frame, wl) for _ts, frame, wl in kp if tcp_ports(lt_k, frame) is not None]
    lt_u, up = read_packets(udp_pcap)
    udp = []
    for _ts, frame, wl in up:
        udp.append((frame, wl))
        if len(udp) >= 50_000:
            break
    if lt_k != lt_u or not kafka or not udp:
        raise SystemExit(f"cannot build the decode pcap: kafka packets {len(kafka)}, udp packets {len(udp)}")
    written = kafka_written = 0
    ts = 1_700_000_000 * 10**9
    copy = 0
    with PcapWriter(out, lt_k) as w:
        while written < total:
            client_port = 10000 + copy % 50000
            for frame, wl in kafka:
                frame = _report(lt_k, frame, client_port)
                w.write(ts, frame, wl)
                ts += 1000
                written += 1
                kafka_written += 1
                u, uwl = udp[written % len(udp)]
                w.write(ts, u, uwl)
                ts += 1000
                written += 1
                if written >= total:
                    break
            copy += 1
    return written, kafka_written


def _report(linktype: int, frame: bytes, new_port: int) -> bytes:
    """Replace the client (non-9092) TCP port, so each copy is a separate connection."""
    off, _etype = ip_offset(linktype, frame)
    t = off + (frame[off] & 0x0F) * 4
    sport, dport = struct.unpack_from("!HH", frame, t)
    b = bytearray(frame)
    if sport == 9092:
        struct.pack_into("!H", b, t + 2, new_port)
    else:
        struct.pack_into("!H", b, t, new_port)
    return bytes(b)


def cpu_pressure() -> float | None:
    """PSI 'some' avg10 for CPU: how contended the machine was (other work slows every number)."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        return float(first.split()[1].split("=")[1])
    except (OSError, IndexError, ValueError):
        return None


def decode_speed(path: Path) -> dict:
    # Peer, side by side: scapy's RawPcapReader only iterating the same file (no parsing at all).
    from scapy.utils import RawPcapReader

    t0 = time.perf_counter()
    with RawPcapReader(str(path)) as reader:
        raw_n = sum(1 for _ in reader)
    raw_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    messages = malformed = 0
    for ev in iter_events(path, None, bodies=False):
        messages += 1
        malformed += ev.kind == "malformed"
    headers = time.perf_counter() - t0
    packets = sum(1 for _ in read_packets(path)[1])
    return {
        "decode_packets": packets,
        "decode_seconds": round(headers, 3),
        "decode_pps": round(packets / headers),
        "decode_messages": messages,
        "decode_malformed": malformed,
        "scapy_rawreader_pps": round(raw_n / raw_seconds),
        "decode_vs_rawreader": round(raw_seconds / headers, 3),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--pps", type=int, default=0, help="iperf3 UDP packet rate (default 0: blast, -b 0)")
    p.add_argument("--decode-packets", type=int, default=1_000_000)
    p.add_argument("--solo", action="store_true", help="also a round with netlab capturing alone")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if os.geteuid() != 0:
        print("needs root (namespaces, packet capture): run with sudo", file=sys.stderr)
        return 2
    for tool in ("iperf3", "tcpdump", "kcat"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed", file=sys.stderr)
            return 2
    tmp = Path(tempfile.mkdtemp(prefix="netlab-bench-capture-"))
    psi_before = cpu_pressure()
    try:
        with Namespaces() as ns:
            log(
                f"capture: iperf3 UDP {args.pps or 'max'} pps x {args.seconds} s, "
                "netlab capture and tcpdump side by side"
            )
            result = capture_rate(ns, tmp, args.seconds, args.pps)
            log(
                f"  sent {result['sent']}  netlab {result['netlab_captured']}  "
                f"tcpdump {result['tcpdump_captured']}"
                f"  ratio {result['ratio']}"
            )
            if args.solo:
                log("capture alone (no tcpdump), so iperf3 gets more CPU: how fast can netlab keep up")
                solo = capture_rate(ns, tmp, args.seconds, args.pps, with_tcpdump=False)
                log(
                    f"  sent {solo['solo_sent']} ({solo['solo_sent_pps']} pps)  "
                    f"netlab {solo['solo_netlab_captured']}"
                )
                result.update(solo)
            log("decode: real Kafka traffic (broker + kcat), replicated with UDP packets")
            kpcap = kafka_sample(ns, tmp)
        big = tmp / "decode.pcap"
        written, kafka_written = build_decode_pcap(
            kpcap, Path(result.pop("udp_pcap")), big, args.decode_packets
        )
        speed = decode_speed(big)
        result.update(
            speed,
            decode_kafka_packets=kafka_written,
            cpu_pressure_before=psi_before,
            cpu_pressure_after=cpu_pressure(),
        )
        log(
            f"  {speed['decode_packets']} packets ({kafka_written} Kafka) decoded headers-only in "
            f"{speed['decode_seconds']} s: {speed['decode_pps']} pkt/s, {speed['decode_messages']} messages"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>22}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
