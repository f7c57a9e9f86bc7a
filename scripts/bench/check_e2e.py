#!/usr/bin/env python3
"""`netlab up` + `netlab check` of topology 2 (five brokers, ten clients) end to end, timed.

    sudo .venv/bin/python scripts/bench/check_e2e.py [--json] [--runs N] [--topology FILE]

Phases, as the verbs run them: build (compile + apply: namespaces, links, hosts files, processes
started), broker start (until every broker logged that it started and, for a KRaft broker that
registers with a controller, that it was unfenced), check (every client's probe + real client and every
broker-to-broker link, in parallel), down. The peer, run side by side in the same lab right after:
the same check with one worker (every probe and real client one after the other, the same code),
so the ratio is what running rows side by side buys. Goal: up + check under 10 s.

If the broker refuses topology 2's roles (no multi-broker cluster yet), it runs topology 1
(topologies/default.yaml) and says so in the output.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "topologies"))

from shipped import cluster_refusal, load  # noqa: E402  (the same loader and broker question as the tests)

import netlab.kafka.verdicts as checkmod  # noqa: E402
from netlab import lab as labapi  # noqa: E402
from netlab.kafka.lab_report import broker_logs, live_report  # noqa: E402
from netlab.lab.brokers import wait_started  # noqa: E402
from netlab.plan import compile_plan  # noqa: E402
from netlab.resources import Namespace  # noqa: E402

TOPOLOGY_2 = ROOT / "topologies" / "02-five-brokers.yaml"
TOPOLOGY_1 = ROOT / "topologies" / "default.yaml"
GOAL_S = 10.0


def one_run(path: Path, timeout: float) -> dict:
    lab = "bench" + secrets.token_hex(3)
    text, topology = load(path, lab)
    t0 = time.perf_counter()
    plan = compile_plan(topology)
    labapi.apply(plan, topology_text=text)
    t1 = time.perf_counter()
    try:
        starts = wait_started(lab)
        t2 = time.perf_counter()
        prefixes = {s.node: ["ip", "netns", "exec", s.netns] for s in plan.of_kind(Namespace)}
        report = live_report(lab, topology, prefixes, broker_logs(lab, topology), timeout=timeout)
        t3 = time.perf_counter()
        peer_start = time.perf_counter()
        workers = checkmod.MAX_WORKERS
        checkmod.MAX_WORKERS = 1
        try:
            live_report(lab, topology, prefixes, broker_logs(lab, topology), timeout=timeout)
        finally:
            checkmod.MAX_WORKERS = workers
        peer = time.perf_counter() - peer_start
    finally:
        t4 = time.perf_counter()
        labapi.destroy(lab)
        t5 = time.perf_counter()
    return {
        "build_s": t1 - t0,
        "broker_start_s": t2 - t1,
        "check_s": t3 - t2,
        "up_and_check_s": t3 - t0,
        "down_s": t5 - t4,
        "peer_sequential_check_s": peer,
        "speedup_over_sequential": peer / (t3 - t2),
        "rows": len(report.verdicts),
        "clients": sum(k == "client" for k in report.kinds),
        "links": sum(k == "link" for k in report.kinds),
        "brokers": len(starts),
        "brokers_started": sum(b.state == "started" for b in starts),
        "mismatches": report.mismatches(),
        "disagreements": report.disagreements(),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument(
        "--timeout", type=float, default=4.0, help="seconds each real client gets (as netlab check)"
    )
    p.add_argument("--topology", type=Path, default=None, help="another topology file instead of topology 2")
    args = p.parse_args()
    path, note = (args.topology or TOPOLOGY_2).resolve(), None
    if args.topology is None:
        refusal = cluster_refusal(load(TOPOLOGY_2)[1])
        if refusal:
            path, note = (
                TOPOLOGY_1,
                f"topology 2 not run: the broker refuses it ({refusal}); measured topology 1 instead",
            )
    runs = [one_run(path, args.timeout) for _ in range(max(1, args.runs))]
    keys = (
        "build_s",
        "broker_start_s",
        "check_s",
        "up_and_check_s",
        "down_s",
        "peer_sequential_check_s",
        "speedup_over_sequential",
    )
    summary = {k: round(statistics.median(r[k] for r in runs), 3) for k in keys}
    out = {
        "topology": str(path.relative_to(ROOT)),
        "note": note,
        "runs": len(runs),
        "median": summary,
        "rows": runs[0]["rows"],
        "clients": runs[0]["clients"],
        "links": runs[0]["links"],
        "brokers": runs[0]["brokers"],
        "brokers_started": [r["brokers_started"] for r in runs],
        "goal_s": GOAL_S,
        "meets_goal": summary["up_and_check_s"] < GOAL_S,
        "mismatches": [r["mismatches"] for r in runs],
        "disagreements": [r["disagreements"] for r in runs],
        "all_runs": [{k: round(r[k], 3) for k in keys} for r in runs],
    }
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    if note:
        print(f"NOTE: {note}")
    m = summary
    print(
        f"{out['topology']}: {out['brokers']} brokers, {out['clients']} clients, {out['links']} links "
        f"({out['rows']} rows), median of {len(runs)} runs"
    )
    print(
        f"  build {m['build_s']:.2f} s + broker start {m['broker_start_s']:.2f} s + check "
        f"{m['check_s']:.2f} s "
        f"= up+check {m['up_and_check_s']:.2f} s (goal < {GOAL_S:.0f} s: "
        f"{'met' if out['meets_goal'] else 'NOT met'}); "
        f"down {m['down_s']:.2f} s"
    )
    print(
        f"  peer: the same {out['rows'] - out['brokers']} rows one at a time "
        f"{m['peer_sequential_check_s']:.2f} s; "
        f"check runs them {m['speedup_over_sequential']:.1f}x faster"
    )
    bad = [x for r in runs for x in r["mismatches"] + r["disagreements"]]
    print(
        "  every run: check == expect and predict == check"
        if not bad
        else "  MISMATCHES:\n    " + "\n    ".join(bad)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
