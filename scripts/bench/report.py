#!/usr/bin/env python3
"""Report generation for the five-broker lab (39 rows), timed, next to graphviz alone.

    .venv/bin/python scripts/bench/report.py [--json] [--runs N] [--topology FILE]

netlab: `render_lab_report` from the rows to the finished page — the lab compiled, the world built
(where each row lands), graphviz's layout (`dot -Tjson`, one process), our SVG with one arrow per
row, the HTML with every row's details. The rows are netlab predict's (a live check gives rows of
the same shape; the check itself is check_e2e.py's business). The peer, in the same run: `dot
-Tsvg` alone on the same graph (the lab without any row: what drawing it costs graphviz), and
`dot -Tjson` (the layout netlab asks graphviz for). Goals: under 1 s; the page under 300 kB.
No root needed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from netlab.graph import graph_model  # noqa: E402
from netlab.kafka.lab_report import predicted_report  # noqa: E402
from netlab.plan import compile_plan  # noqa: E402
from netlab.report import render_lab_report  # noqa: E402
from netlab.report.layout import layout_source  # noqa: E402
from netlab.topology import load_topology  # noqa: E402

TOPOLOGY = ROOT / "topologies" / "02-five-brokers.yaml"
GOAL_S = 1.0
GOAL_BYTES = 300_000


def cpu_pressure() -> float | None:
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        return float(first.split("avg10=")[1].split()[0])
    except (OSError, IndexError, ValueError):
        return None


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--topology", type=Path, default=TOPOLOGY)
    args = ap.parse_args()

    psi = cpu_pressure()
    topology = load_topology(args.topology)
    report = predicted_report(topology)
    source = layout_source(graph_model(topology.topology.lab, compile_plan(topology).meta))

    def dot(fmt: str) -> None:
        subprocess.run(
            ["dot", f"-T{fmt}"], input=source.encode(), capture_output=True, check=True, timeout=30
        )

    page = render_lab_report(report, topology, live=False)  # warm: imports, first dot start
    ours, peer_svg, peer_json = [], [], []
    for _ in range(args.runs):  # interleaved, so load from elsewhere hits both alike
        ours.append(timed(lambda: render_lab_report(report, topology, live=False)))
        peer_svg.append(timed(lambda: dot("svg")))
        peer_json.append(timed(lambda: dot("json")))
    result = {
        "topology": str(
            args.topology.relative_to(ROOT) if args.topology.is_relative_to(ROOT) else args.topology
        ),
        "rows": len(report.verdicts),
        "runs": args.runs,
        "report_s_median": statistics.median(ours),
        "report_s_max": max(ours),
        "page_bytes": len(page.encode()),
        "peer_dot_svg_s_median": statistics.median(peer_svg),
        "peer_dot_json_s_median": statistics.median(peer_json),
        "ratio_to_dot_svg": statistics.median(ours) / statistics.median(peer_svg),
        "goal_s": GOAL_S,
        "goal_bytes": GOAL_BYTES,
        "cpu_pressure_at_start": psi,
        "cpu_pressure_at_end": cpu_pressure(),
    }
    result["ok"] = result["report_s_median"] < GOAL_S and result["page_bytes"] < GOAL_BYTES
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        ms = {k: f"{v * 1000:.0f} ms" for k, v in result.items() if k.endswith(("_median", "_max"))}
        print(
            f"{result['rows']} rows of {result['topology']}: report page in {ms['report_s_median']} "
            f"(median of {args.runs}, worst {ms['report_s_max']}), {result['page_bytes'] / 1000:.0f} kB\n"
            f"peer: dot -Tsvg alone on the same graph {result['peer_dot_svg_s_median'] * 1000:.0f} ms, "
            f"dot -Tjson {result['peer_dot_json_s_median'] * 1000:.0f} ms; "
            f"ratio report / dot -Tsvg {result['ratio_to_dot_svg']:.2f}\n"
            f"goal: < {GOAL_S:g} s and < {GOAL_BYTES // 1000} kB: {'met' if result['ok'] else 'NOT met'}\n"
            f"CPU pressure (PSI some avg10): {psi}% at start, {result['cpu_pressure_at_end']}% at end"
        )
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
