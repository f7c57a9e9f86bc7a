#!/usr/bin/env python3
"""`netlab drill start` to the printed story, and `netlab drill check` turnaround, for the
five-broker drill and a one-broker drill, side by side with the peer: `netlab up` + `netlab
check` of the very same topology (the drill's rendered variant), all as the real console script.

    sudo .venv/bin/python scripts/bench/drill.py [--json] [--runs N] [--timeout S]

Goals (issue 16): start to story under 3 s, check under 2 s on this machine. The peer's `up`
builds the same lab and waits for the same brokers but tells no story (the story costs one real
client run); its `check` runs the same rows without the drill's constraints and progress file.
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
sys.path.insert(0, str(ROOT))

from netlab.drill.catalog import get_drill  # noqa: E402

DRILLS = ("five_brokers_loopback", "localhost_to_container")
START_GOAL_S, CHECK_GOAL_S = 3.0, 2.0


def run(argv: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t0


def cpu_pressure() -> str:
    try:
        return Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return "n/a"


def one(drill_id: str, seed: int, home: str, timeout: float) -> dict:
    env = dict(os.environ, XDG_DATA_HOME=home, PYTHONPATH=str(ROOT))
    netlab = [sys.executable, "-m", "netlab"]
    out = {}
    out["drill_start_s"] = run(netlab + ["drill", "start", drill_id, "--seed", str(seed)], env)
    out["drill_check_s"] = run(netlab + ["drill", "check", "--timeout", f"{timeout:g}"], env)
    out["drill_stop_s"] = run(netlab + ["drill", "stop"], env)
    variant = get_drill(drill_id).variant(seed)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
        fh.write(variant.topology_text)
    try:
        out["peer_up_s"] = run(netlab + ["up", fh.name], env)
        out["peer_check_s"] = run(netlab + ["check", variant.lab, "--timeout", f"{timeout:g}"], env)
        out["peer_down_s"] = run(netlab + ["down", variant.lab], env)
    finally:
        os.unlink(fh.name)
    out["start_over_up"] = out["drill_start_s"] / out["peer_up_s"]
    out["check_over_check"] = out["drill_check_s"] / out["peer_check_s"]
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument(
        "--timeout", type=float, default=4.0, help="seconds each real client gets, in both checks (default 4)"
    )
    args = p.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as home:
        for drill_id in DRILLS:
            runs = [one(drill_id, seed, home, args.timeout) for seed in range(1, max(1, args.runs) + 1)]
            results[drill_id] = {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]} | {
                "runs": len(runs)
            }
    report = {
        "cpu_pressure": cpu_pressure(),
        "goals": {"start_s": START_GOAL_S, "check_s": CHECK_GOAL_S},
        "client_timeout_s": args.timeout,
        "drills": results,
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"cpu pressure: {report['cpu_pressure']}; each real client gets {args.timeout:g} s")
    for drill_id, m in results.items():
        print(
            f"{drill_id} (median of {m['runs']} seeds): drill start {m['drill_start_s']:.2f} s "
            f"(goal < {START_GOAL_S:.0f}: {'met' if m['drill_start_s'] < START_GOAL_S else 'NOT met'}), "
            f"drill check {m['drill_check_s']:.2f} s (goal < {CHECK_GOAL_S:.0f}: "
            f"{'met' if m['drill_check_s'] < CHECK_GOAL_S else 'NOT met'}), stop {m['drill_stop_s']:.2f} s"
        )
        print(
            f"  peer: netlab up {m['peer_up_s']:.2f} s, netlab check {m['peer_check_s']:.2f} s, "
            f"down {m['peer_down_s']:.2f} s; ratios start/up {m['start_over_up']:.2f}, "
            f"check/check {m['check_over_check']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
