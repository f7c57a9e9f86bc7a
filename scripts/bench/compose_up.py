#!/usr/bin/env python3
"""`netlab up docker-compose.yml` + verdicts, and `netlab predict docker-compose.yml`, timed.

    sudo .venv/bin/python scripts/bench/compose_up.py [--json] [--runs N]

Inputs, from tests/compose/corpus: cp-all-in-one's Kafka part (its `broker` service alone, cut
from cp-all-in-one.yml at run time) and a three-broker ZooKeeper file
(conduktor-zk-single-kafka-multiple.yml). Phases of `up`: compose (load, interpolate, schema,
semantics, image profiles, translation), build (compile + apply), brokers (until each logged that
it started and, in ZooKeeper mode, got its first UpdateMetadata), verdicts (every generated row
live: probe + kcat), down. Peer, side by side in the
same run: the same lab from the topology `netlab import compose` writes, brought up the same way,
so the ratio is what reading the compose file costs. `predict`: in-process (compose + predict +
the checked fixes) against predict of the imported topology, and the CLI wall time against the
CLI on the imported topology.
Goals: up + verdicts under 5 s; predict under 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from netlab import lab as labapi  # noqa: E402
from netlab.compose import ComposeOptions, compose_lab  # noqa: E402
from netlab.compose.fixes import fixes_for  # noqa: E402
from netlab.compose.topology_out import to_yaml  # noqa: E402
from netlab.kafka.lab_report import broker_logs, live_report, predicted_report  # noqa: E402
from netlab.lab.brokers import wait_started  # noqa: E402
from netlab.plan import compile_plan  # noqa: E402
from netlab.resources import Namespace  # noqa: E402
from netlab.topology import loads_topology  # noqa: E402

CORPUS = ROOT / "tests" / "compose" / "corpus"
GOAL_UP_S, GOAL_PREDICT_S = 5.0, 0.5


def inputs(tmp: Path) -> dict[str, Path]:
    full = yaml.safe_load((CORPUS / "cp-all-in-one.yml").read_text())
    part = tmp / "cp-all-in-one-kafka" / "docker-compose.yml"
    part.parent.mkdir()
    part.write_text(yaml.safe_dump({"services": {"broker": full["services"]["broker"]}}, sort_keys=False))
    return {
        "cp-all-in-one kafka part": part,
        "3 brokers + ZooKeeper": CORPUS / "conduktor-zk-single-kafka-multiple.yml",
    }


def bring_up(topology, text: str) -> dict:
    t0 = time.perf_counter()
    plan = compile_plan(topology)
    labapi.apply(plan, topology_text=text)
    t1 = time.perf_counter()
    try:
        wait_started(plan.lab)
        t2 = time.perf_counter()
        prefixes = {s.node: ["ip", "netns", "exec", s.netns] for s in plan.of_kind(Namespace)}
        report = live_report(plan.lab, topology, prefixes, broker_logs(plan.lab, topology), timeout=4.0)
        t3 = time.perf_counter()
    finally:
        labapi.destroy(plan.lab)
    t4 = time.perf_counter()
    return {
        "build": t1 - t0,
        "brokers": t2 - t1,
        "verdicts": t3 - t2,
        "down": t4 - t3,
        "rows": len(report.verdicts),
        "ok_rows": sum(v.ok for v in report.verdicts),
        "disagreements": len(report.disagreements()),
    }


def one_up(path: Path) -> dict:
    project = "benchc" + secrets.token_hex(3)
    t0 = time.perf_counter()
    lab = compose_lab(path, ComposeOptions(project=project))
    compose_s = time.perf_counter() - t0
    text = to_yaml(lab.translation, ["bench"])
    out = bring_up(lab.topology, text)
    out["compose"] = compose_s
    out["up_total"] = compose_s + out["build"] + out["brokers"] + out["verdicts"]
    # the peer: the imported topology file, under another lab name
    peer_text = text.replace(f"lab: {lab.topology.lab}", f"lab: {lab.topology.lab}p", 1)
    t0 = time.perf_counter()
    peer_top = loads_topology(peer_text, "imported.yaml")
    load_s = time.perf_counter() - t0
    peer = bring_up(peer_top, peer_text)
    out["peer_up_total"] = load_s + peer["build"] + peer["brokers"] + peer["verdicts"]
    return out


def _cli_wall(target: Path, extra: list[str], pycache: Path) -> float:
    """One `netlab predict` CLI run. Byte code is cached (in `pycache`, outside the repository) as
    in any installation, also where PYTHONDONTWRITEBYTECODE is set (every run would compile
    netlab's sources, ~0.3 s)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": str(pycache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "netlab", "predict", str(target), *extra],
        capture_output=True,
        env=env,
        check=False,
    )
    return time.perf_counter() - t0


def predict_times(path: Path, runs: int) -> dict:
    comp, topo = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        options = ComposeOptions(project="benchp")
        lab = compose_lab(path, options)
        report = predicted_report(lab.topology)
        fixes_for(path, options, lab, report)
        comp.append(time.perf_counter() - t0)
        text = to_yaml(lab.translation, ["bench"])
        t0 = time.perf_counter()
        predicted_report(loads_topology(text, "imported.yaml"))
        topo.append(time.perf_counter() - t0)
    # the CLI, side by side with the CLI on the imported topology (its peer), median of `runs`
    with tempfile.TemporaryDirectory() as tmp:
        imported = Path(tmp) / "imported.yaml"
        imported.write_text(text)
        pycache = Path(tmp) / "pycache"
        _cli_wall(path, ["--project", "benchp"], pycache)  # writes the byte code once
        cli, cli_peer = [], []
        for _ in range(runs):
            cli.append(_cli_wall(path, ["--project", "benchp"], pycache))
            cli_peer.append(_cli_wall(imported, [], pycache))
    return {
        "predict": statistics.median(comp),
        "peer_predict": statistics.median(topo),
        "cli_wall": statistics.median(cli),
        "peer_cli_wall": statistics.median(cli_peer),
    }


def pressure() -> str:
    try:
        return Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return "n/a"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in inputs(Path(tmp)).items():
            ups = [one_up(path) for _ in range(args.runs)]
            med = {k: statistics.median(u[k] for u in ups) for k in ups[0]}
            med.update(predict_times(path, max(args.runs, 5)))
            results[name] = med
    if args.json:
        print(json.dumps({"results": results, "cpu_pressure": pressure()}, indent=1))
        return 0
    print(f"cpu pressure: {pressure()}")
    for name, r in results.items():
        ratio = r["up_total"] / r["peer_up_total"]
        print(
            f"{name}: up+verdicts {r['up_total']:.2f} s (compose {r['compose']:.3f}, build {r['build']:.2f}, "
            f"brokers {r['brokers']:.2f}, verdicts {r['verdicts']:.2f}; down {r['down']:.2f}) — "
            f"imported topology {r['peer_up_total']:.2f} s, ratio {ratio:.2f}; "
            f"{r['ok_rows']:.0f}/{r['rows']:.0f} rows ok, {r['disagreements']:.0f} disagreements; "
            f"goal < {GOAL_UP_S} s {'✓' if r['up_total'] < GOAL_UP_S else '✗'}"
        )
        print(
            f"  predict (compose + checked fixes) {r['predict'] * 1000:.0f} ms in-process, "
            f"CLI {r['cli_wall']:.2f} s wall (imported topology's CLI {r['peer_cli_wall']:.2f} s); "
            f"imported topology {r['peer_predict'] * 1000:.0f} ms; goal < {GOAL_PREDICT_S} s "
            f"{'✓' if r['predict'] < GOAL_PREDICT_S else '✗'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
