#!/usr/bin/env python3
"""`netlab validate` of a big topology and of a YAML alias bomb, side by side with a peer.

    .venv/bin/python scripts/bench/validate_big.py [--nodes 5000] [--repeat 3] [--json]

Each case runs as its own process (wall time, CPU time and peak RSS from wait4):
  (a) `netlab validate --json FILE` — parse, model, resolve, compile the whole plan
      (5,000 hosts files of 5,000 entries each);
  (b) the peer: `python -c 'yaml.safe_load(open(FILE))'` — PyYAML alone reading the same file,
      i.e. the least any YAML-based validator must do.
The ratio netlab/peer is the figure to watch (the machine is shared, absolute times move).
The bomb (nine levels of nine aliases, 1 kB) is validated the same way: netlab refuses it
(exit 2, located) instead of expanding 9^9 nodes. Medians over --repeat runs.
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

REPO = Path(__file__).resolve().parents[2]

BOMB = "lab: bomb\na: &a [" + ",".join(['"lol"'] * 9) + "]\n"
for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
    BOMB += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
BOMB += "nodes: *i\n"


def topology_text(n: int) -> str:
    nodes = "".join(f"  c{i}: {{networks: [net]}}\n" for i in range(n))
    return (
        f"lab: big\nnodes:\n  host: {{}}\n{nodes}networks:\n"
        "  net: {node: host, bridge: br0, subnet: 10.128.0.0/16, gateway: 10.128.0.1}\n"
    )


def measure(argv: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": proc.returncode,
        "stderr": err.splitlines()[-1][:200] if err else "",
    }


def median_of(runs: list[dict]) -> dict:
    out = dict(runs[-1])
    for k in ("wall_s", "cpu_s", "max_rss_mb"):
        out[k] = round(statistics.median(r[k] for r in runs), 3)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    py = sys.executable
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        big, bomb = Path(tmp) / "big.yaml", Path(tmp) / "bomb.yaml"
        big.write_text(topology_text(args.nodes))
        bomb.write_text(BOMB)
        for label, path in (("big", big), ("bomb", bomb)):
            netlab = [py, "-m", "netlab", "validate", "--json", str(path)]
            peer = [py, "-c", f"import yaml; yaml.safe_load(open({str(path)!r}))"]
            n_runs, p_runs = [], []
            for _ in range(args.repeat):  # interleaved, so both see the same machine load
                n_runs.append(measure(netlab))
                p_runs.append(measure(peer))
            n, p = median_of(n_runs), median_of(p_runs)
            results[label] = {
                "netlab": n,
                "yaml_safe_load": p,
                "wall_ratio": round(n["wall_s"] / p["wall_s"], 2),
                "cpu_ratio": round(n["cpu_s"] / p["cpu_s"], 2),
                "rss_ratio": round(n["max_rss_mb"] / p["max_rss_mb"], 2),
            }
    results["nodes"] = args.nodes
    results["load_avg"] = os.getloadavg()[0]
    for label in ("big", "bomb"):
        r = results[label]
        n, p = r["netlab"], r["yaml_safe_load"]
        print(
            f"{label:5} netlab validate: {n['wall_s']:6.2f} s wall {n['cpu_s']:6.2f} s cpu "
            f"{n['max_rss_mb']:7.1f} MB exit {n['exit']} | yaml.safe_load: {p['wall_s']:6.2f} s "
            f"{p['cpu_s']:6.2f} s cpu {p['max_rss_mb']:7.1f} MB | ratio wall {r['wall_ratio']} "
            f"cpu {r['cpu_ratio']} rss {r['rss_ratio']}"
        )
        if n["stderr"]:
            print(f"      netlab said: {n['stderr']}")
    print(f"(machine load average {results['load_avg']:.1f}; {args.nodes} nodes)")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
