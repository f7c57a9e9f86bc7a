#!/usr/bin/env python3
"""A five-broker ZooKeeper-mode cluster's start, ZooKeeper included, until every broker is
registered in ZooKeeper - side by side with its peers, in the same process, one after the other:

    sudo .venv/bin/python scripts/bench/zk_cluster_start.py [--runs N] [--json]

- zk:      topology 12b (a ZooKeeper node + five ZooKeeper-mode brokers): `apply` (namespaces,
           links, ZooKeeper started and serving, brokers started) until all five brokers logged
           `Registered broker N at path /brokers/ids/N` and every one is listed by kcat;
- kraft:   topology 02 (five KRaft brokers, broker-1 the controller) until all started and
           registered (netlab.lab.brokers.wait_started), the same machinery without ZooKeeper;
- zk_only: the ZooKeeper of topology 12b alone (no brokers): apply until ZooKeeper serves.
Ratios zk/kraft and zk/zk_only say what ZooKeeper mode costs at start. Also ZooKeeper's resident
memory (VmRSS of the JVM, heap bounded by -Xmx128m) right after the cluster is up.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "topologies"))

from shipped import load  # noqa: E402  (the loader the tests use)

from netlab import lab as labapi  # noqa: E402
from netlab.kernel import processes  # noqa: E402
from netlab.lab.brokers import wait_started  # noqa: E402
from netlab.plan import compile_plan  # noqa: E402
from netlab.topology import loads_topology  # noqa: E402

ZK_LAB = ROOT / "topologies" / "12b-zookeeper-container-name.yaml"
KRAFT_LAB = ROOT / "topologies" / "02-five-brokers.yaml"
BROKERS = [f"broker-{i}" for i in range(1, 6)]
REGISTERED = re.compile(r"Registered broker (\d+) at path /brokers/ids/")
TIMEOUT_S = 60.0


def _logs_say(lab: str, nodes: list[str], pattern: re.Pattern, timeout: float) -> bool:
    state = labapi.load_lab(lab)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = 0
        for n in nodes:
            f = state.paths.process(n, "broker").logfile
            if f.exists() and pattern.search(f.read_text(errors="replace")):
                done += 1
        if done == len(nodes):
            return True
        time.sleep(0.01)
    return False


def _zk_rss_kb(lab: str) -> int | None:
    pid = processes.read_pidfile(labapi.load_lab(lab).paths.process("zookeeper", "zookeeper").pidfile)
    if not pid:
        return None
    for p in Path(f"/proc/{pid[0]}/task").glob("*/children"):
        for child in p.read_text().split():  # the wrapper shell's child is the JVM
            status = Path(f"/proc/{child}/status")
            if status.exists():
                m = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
                if m:
                    return int(m.group(1))
    return None


def run_zk(only_zookeeper: bool) -> dict:
    lab = "bzk" + secrets.token_hex(3)
    text, _ = load(ZK_LAB, lab)
    if only_zookeeper:  # the same file without its brokers and client containers
        keep = []
        skip = False
        for line in text.splitlines():
            if re.match(r"^  (broker-\d|client):", line):
                skip = True
                continue
            if skip and (line.startswith("    ") or not line.strip()):
                continue
            skip = False
            keep.append(line)
        text = "\n".join(x for x in keep if not x.startswith("clients:") and not x.startswith("  - {node"))
        text = re.sub(r"\nexpect:\n(  .*\n?)*", "\n", text + "\n")
    topology = loads_topology(text, str(ZK_LAB))
    t0 = time.perf_counter()
    labapi.apply(compile_plan(topology), topology_text=text)
    t1 = time.perf_counter()
    out = {"apply_s": t1 - t0}
    try:
        if not only_zookeeper:
            ok = _logs_say(lab, BROKERS, REGISTERED, TIMEOUT_S)
            out["registered_s"] = time.perf_counter() - t0
            out["ok"] = ok
            out["zookeeper_rss_mb"] = round((_zk_rss_kb(lab) or 0) / 1024, 1)
        else:
            out["registered_s"] = t1 - t0
            out["ok"] = True
    finally:
        labapi.destroy(lab)
    return out


def run_kraft() -> dict:
    lab = "bkr" + secrets.token_hex(3)
    text, topology = load(KRAFT_LAB, lab)
    t0 = time.perf_counter()
    labapi.apply(compile_plan(topology), topology_text=text)
    t1 = time.perf_counter()
    try:
        starts = wait_started(lab, timeout=TIMEOUT_S)
        return {
            "apply_s": t1 - t0,
            "registered_s": time.perf_counter() - t0,
            "ok": all(s.state == "started" for s in starts),
        }
    finally:
        labapi.destroy(lab)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if not 1 <= args.runs <= 20:
        print("--runs: 1..20", file=sys.stderr)
        return 2
    rows = {"zk": [], "kraft": [], "zk_only": []}
    for _ in range(args.runs):  # interleaved, so load on the machine hits all three alike
        rows["zk"].append(run_zk(False))
        rows["kraft"].append(run_kraft())
        rows["zk_only"].append(run_zk(True))
    med = {k: statistics.median(r["registered_s"] for r in v) for k, v in rows.items()}
    res = {
        "runs": args.runs,
        "zk_cluster_registered_s": round(med["zk"], 3),
        "kraft_cluster_registered_s": round(med["kraft"], 3),
        "zookeeper_alone_s": round(med["zk_only"], 3),
        "ratio_zk_over_kraft": round(med["zk"] / med["kraft"], 2),
        "ratio_zk_over_zookeeper_alone": round(med["zk"] / med["zk_only"], 2),
        "zookeeper_rss_mb": statistics.median(r["zookeeper_rss_mb"] for r in rows["zk"]),
        "all_ok": all(r["ok"] for v in rows.values() for r in v),
    }
    if args.json:
        print(json.dumps(res))
    else:
        print(
            f"ZooKeeper + five ZooKeeper-mode brokers, to all registered: {res['zk_cluster_registered_s']} s"
        )
        print(f"five KRaft brokers, to all registered: {res['kraft_cluster_registered_s']} s")
        print(f"ZooKeeper alone, to serving:                                {res['zookeeper_alone_s']} s")
        print(
            f"ratios: zk/kraft {res['ratio_zk_over_kraft']}, zk/zookeeper-alone "
            f"{res['ratio_zk_over_zookeeper_alone']}; ZooKeeper RSS {res['zookeeper_rss_mb']} MB"
        )
    return 0 if res["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
