#!/usr/bin/env python3
"""acks=all latency on a 3-broker cluster holding many replicated partitions: what incremental
fetch sessions (KIP-227) change, side by side with a peer tree (e.g. the commit before them).

    scripts/bench/fetch_sessions.py [--partitions 400] [--records 200] [--json]
    scripts/bench/fetch_sessions.py --compare PEER_TREE [--rounds N] [...]

One run: three `python -m broker` processes on 127.0.0.1-3 (tests/broker/clusterproc.py, the
broker code run from this tree, or from --tree), a replication-factor-3 topic with
--partitions partitions next to a 1-partition replication-factor-3 topic, then --records
100-byte records written one at a time (each flushed before the next) with acks=all and with
acks=1 by confluent-kafka; reported: median and p90 per write, the acks=all / acks=1 ratio, and
the brokers' CPU seconds. Every follower fetch round trip in an acks=all write names the
follower's partitions of the other topic too unless fetch sessions leave them out: that is what
the ratio shows. --compare runs the same with PEER_TREE's broker and prints both and the ratio
of the medians (--rounds N alternates N runs each, since the shared cores' load varies; the
kernel's CPU pressure is printed per run). Everything started is stopped by pid; nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cluster_class(tree: Path):
    """The tree's own tests/broker/clusterproc.py: its brokers run `python -m broker` from that
    tree (cwd), so the broker code measured is the tree's."""
    sys.path.insert(0, str(tree / "tests"))  # support.py, which clusterproc imports
    sys.path.insert(0, str(tree / "tests" / "broker"))
    from clusterproc import Cluster

    return Cluster


def _create(bs: str, name: str, partitions: int) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bs})
    admin.create_topics([NewTopic(name, partitions, 3)], request_timeout=60)[name].result(90)


def _isr_full(c, topic: str, partitions: int) -> bool:
    try:
        t = next(t for t in c.state()["topics"] if t["name"] == topic)
    except (StopIteration, OSError, ValueError):
        return False
    return len(t["partitions"]) == partitions and all(len(p["isr"]) == 3 for p in t["partitions"])


def _latencies(bs: str, acks: str, n: int) -> list[float]:
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bs, "acks": acks, "linger.ms": 0, "message.timeout.ms": 30000})
    errors: list = []
    p.produce("lat", b"w" * 100, partition=0, on_delivery=lambda e, m: errors.append(e) if e else None)
    p.flush(30)  # connections and metadata up before timing
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        p.produce("lat", b"x" * 100, partition=0, on_delivery=lambda e, m: errors.append(e) if e else None)
        if p.flush(30) != 0:
            raise SystemExit("a write did not complete in 30 s")
        out.append((time.perf_counter() - t0) * 1000)
    if errors:
        raise SystemExit(f"delivery errors: {errors[:3]}")
    return out


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_pressure() -> float | None:
    """The kernel's CPU pressure (PSI some avg10, %): other work on the 2 shared cores slows
    both trees alike, which the ratio absorbs and the absolute numbers do not."""
    try:
        return float(Path("/proc/pressure/cpu").read_text().split()[1].split("=")[1])
    except (OSError, IndexError, ValueError):
        return None


def _summary(ms: list[float]) -> dict:
    q = statistics.quantiles(ms, n=10)
    return {"median_ms": round(statistics.median(ms), 2), "p90_ms": round(q[8], 2)}


def run_once(tree: Path, partitions: int, records: int) -> dict:
    cluster = _cluster_class(tree)
    with tempfile.TemporaryDirectory(prefix="fsbench") as tmp:
        # Kafka's defaults where the test cluster shortens them: followers stay in the ISR through
        # CPU starvation on shared cores (else acks=all degrades to acks=1 and measures nothing)
        kafka_defaults = ["replica.lag.time.max.ms=30000", "replica.fetch.wait.max.ms=500"]
        c = cluster(Path(tmp), extra={i: kafka_defaults for i in (1, 2, 3)})
        try:
            c.start_all()
            bs = c.bootstrap
            _create(bs, "load", partitions)
            _create(bs, "lat", 1)
            deadline = time.monotonic() + 120
            while not (_isr_full(c, "load", partitions) and _isr_full(c, "lat", 1)):
                if time.monotonic() > deadline:
                    raise SystemExit("replicas did not all join the ISR in 120 s")
                time.sleep(0.5)
            pids = [n.bp.proc.pid for n in c.nodes.values() if n.bp is not None]
            cpu0 = sum(_cpu(p) for p in pids)
            all_ms = _latencies(bs, "all", records)
            isr_after = len(
                next(t for t in c.state()["topics"] if t["name"] == "lat")["partitions"][0]["isr"]
            )
            one_ms = _latencies(bs, "1", records)
            cpu = sum(_cpu(p) for p in pids) - cpu0
        finally:
            c.stop_all()
    a, o = _summary(all_ms), _summary(one_ms)
    return {
        "partitions": partitions,
        "records": records,
        "acks_all": a,
        "acks_1": o,
        "all_over_1": round(a["median_ms"] / o["median_ms"], 2),
        "broker_cpu_s": round(cpu, 2),
        "cpu_pressure_avg10": cpu_pressure(),
        "isr_after_acks_all": isr_after,  # 3, or the acks=all figure is not one
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--partitions", type=int, default=400)
    ap.add_argument("--records", type=int, default=200)
    ap.add_argument("--compare", metavar="PEER_TREE", help="also run with this tree's broker package")
    ap.add_argument("--tree", default=str(ROOT), help="the tree whose broker is measured (default: this one)")
    ap.add_argument("--rounds", type=int, default=1, help="with --compare: alternating runs per tree")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.partitions < 1 or args.records < 10:
        ap.error("--partitions must be >= 1 and --records >= 10")
    if args.compare:
        peer = Path(args.compare).resolve()
        if (
            not (peer / "broker" / "__init__.py").is_file()
            or not (peer / "tests/broker/clusterproc.py").is_file()
        ):
            print(f"--compare {args.compare}: not a netlab tree (no broker/, tests/broker/clusterproc.py)")
            return 2
        runs: dict[str, list[dict]] = {"peer": [], "this": []}
        for _ in range(args.rounds):  # alternated, so load changes hit both alike
            for label, tree in (("peer", peer), ("this", ROOT)):
                env = dict(os.environ, PYTHONPATH=str(tree))
                argv = [sys.executable, __file__, "--tree", str(tree), "--partitions", str(args.partitions)]
                argv += ["--records", str(args.records), "--json"]
                out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                runs[label].append(r)
                a, o = r["acks_all"], r["acks_1"]
                print(
                    f"{label}: acks=all median {a['median_ms']} ms (p90 {a['p90_ms']}), "
                    f"acks=1 median {o['median_ms']} ms (p90 {o['p90_ms']}), "
                    f"all/1 {r['all_over_1']}, broker CPU {r['broker_cpu_s']} s, "
                    f"CPU pressure {r['cpu_pressure_avg10']} %, ISR {r['isr_after_acks_all']}"
                )
        med = {k: statistics.median(r["acks_all"]["median_ms"] for r in v) for k, v in runs.items()}
        ratio = round(med["peer"] / med["this"], 2)
        results = {**runs, "peer_over_this_acks_all_median": ratio}
        print(f"acks=all, median of the rounds' medians, peer / this: {ratio}")
        if args.json:
            print(json.dumps(results))
        return 0
    r = run_once(Path(args.tree).resolve(), args.partitions, args.records)
    if args.json:
        print(json.dumps(r))
    else:
        print(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
