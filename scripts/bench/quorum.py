#!/usr/bin/env python3
"""KRaft quorum timings of real `python -m broker` processes on 127.0.0.x (no netlab, no root):

    scripts/bench/quorum.py [--runs 10] [--json]

- election: SIGKILL the active controller of three combined voters, time until a survivor logs
  `Completed transition to Leader` (from the line's own timestamp); the killed node is restarted
  between runs. Reported as the median of the runs and as ratios to Kafka's bound: a follower
  notices after controller.quorum.fetch.timeout.ms, then stands after one randomized election
  timeout (election.timeout.ms .. 2 x election.timeout.ms).
- start: three combined voters started together until all three brokers are registered (kcat -L
  lists 3 brokers), side by side with the single-voter cluster of tests/broker/clusterproc.py.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))  # support.py, which the broker test helpers import
sys.path.insert(0, str(ROOT / "tests" / "broker"))
sys.path.insert(0, str(ROOT))

from clusterproc import Cluster  # noqa: E402
from quorumproc import FAST, Quorum  # noqa: E402

LEADER_LINE = re.compile(
    r"^\[([0-9-]+ [0-9:]+,\d{3})\] INFO \[RaftManager id=(\d+)\] "
    r"Completed transition to Leader\(localId=\d+, epoch=(\d+)",
    re.M,
)


def _setting(name: str) -> int:
    return int(next(o.split("=", 1)[1] for o in FAST if o.startswith(name + "=")))


def _leader_lines(q: Quorum) -> list[tuple[float, int, int]]:
    out = []
    for i in q.nodes:
        for stamp, lid, epoch in LEADER_LINE.findall(q.output(i)):
            t = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
            out.append((t, int(lid), int(epoch)))
    return sorted(out, key=lambda x: x[2])


def _all_registered(bootstrap: str, n: int) -> bool:
    out = subprocess.run(
        ["kcat", "-L", "-b", bootstrap, "-m", "2"], capture_output=True, text=True, timeout=10
    ).stdout
    return f" {n} brokers:" in out


def bench_election(runs: int) -> list[float]:
    out = []
    with tempfile.TemporaryDirectory(prefix="bench-quorum-") as tmp:
        q = Quorum(Path(tmp), "combined")
        try:
            q.start_all()
            q.wait(lambda: _leader_lines(q), 20)
            for _ in range(runs):
                _, leader, epoch = _leader_lines(q)[-1]
                killed_at = time.time()
                q.kill(leader)
                new = q.wait(lambda e=epoch: [x for x in _leader_lines(q) if x[2] > e], 20, 0.02)
                if not new:
                    raise SystemExit(f"no new leader after killing {leader}")
                out.append((new[0][0] - killed_at) * 1000)
                q.start(leader)
                q.wait(
                    lambda n=leader: (
                        "Completed transition to FollowerState"
                        in q.output(n).split("Kafka Server started")[-1]
                    ),
                    20,
                )
        finally:
            q.stop_all()
    return out


def bench_start() -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="bench-quorum-") as tmp:
        q = Quorum(Path(tmp), "combined")
        t0 = time.monotonic()
        try:
            for i in q.nodes:
                q.start(i, wait_for="starting")
            q.wait(lambda: _all_registered(q.bootstrap, 3), 30, 0.05)
            three = time.monotonic() - t0
        finally:
            q.stop_all()
    with tempfile.TemporaryDirectory(prefix="bench-quorum-") as tmp:
        c = Cluster(Path(tmp))
        t0 = time.monotonic()
        try:
            for i in (1, 2, 3):
                c.start(i, wait_for="starting")
            c.wait(lambda: _all_registered(c.bootstrap, 3), 30, 0.05)
            single = time.monotonic() - t0
        finally:
            c.stop_all()
    return three * 1000, single * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    election_ms, fetch_ms = (
        _setting("controller.quorum.election.timeout.ms"),
        _setting("controller.quorum.fetch.timeout.ms"),
    )
    times = bench_election(args.runs)
    median = statistics.median(times)
    three, single = bench_start()
    result = {
        "election_runs_ms": [round(t) for t in times],
        "election_median_ms": round(median),
        "fetch_timeout_ms": fetch_ms,
        "election_timeout_ms": election_ms,
        "ratio_to_fetch_timeout_plus_election_timeout": round(median / (fetch_ms + election_ms), 2),
        "ratio_to_worst_case": round(median / (fetch_ms + 2 * election_ms), 2),
        "start_three_voters_ms": round(three),
        "start_single_voter_ms": round(single),
        "start_ratio_three_over_single": round(three / single, 2),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:48} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
