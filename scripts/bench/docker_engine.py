#!/usr/bin/env python3
"""The Docker engine against netlab's namespace model, side by side, as whole CLI processes.

    sudo .venv/bin/python scripts/bench/docker_engine.py [--json] [--runs N] [--topology FILE]

Per run, in this order on a quiet machine:
  docker:    `netlab up --engine docker FILE`, `netlab check LAB`, `netlab check --docker LAB`
             (the generated rows of the running project), `netlab import docker LAB -o F`,
             `netlab down LAB`;
  namespace: `netlab up FILE`, `netlab check LAB`, `netlab down LAB` (the same lab, same rows);
  imported:  `netlab up F` + `netlab check` of the imported lab: the peer of `check --docker`
             (the same rows, run in namespaces instead of containers).
Ratios are docker / namespace. Default FILE: topology 2 (five brokers, ten clients).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "topologies" / "02-five-brokers.yaml"


def timed(*args: str, env: dict | None = None, ok: tuple[int, ...] = (0, 1)) -> float:
    t = time.perf_counter()
    cp = subprocess.run([sys.executable, "-m", "netlab", *args], capture_output=True, text=True, env=env)
    if cp.returncode not in ok:
        raise SystemExit(f"netlab {' '.join(args)} failed ({cp.returncode}): {cp.stderr.strip()[-400:]}")
    return time.perf_counter() - t


def one_run(path: Path, work: Path, n: int) -> dict:
    lab = f"bd{os.getpid() % 10000}x{n}"
    topo = work / f"{lab}.yaml"
    topo.write_text(re.sub(r"^lab: .*$", f"lab: {lab}", path.read_text(), count=1, flags=re.M))
    imported = work / f"{lab}i.yaml"
    out: dict[str, float] = {}
    out["docker_up"] = timed("up", "--engine", "docker", str(topo))
    try:
        out["docker_check"] = timed("check", lab)
        socket = json.loads(
            (Path(os.environ.get("NETLAB_RUN_DIR", "/run/netlab")) / lab / "docker.json").read_text()
        )
        env = {**os.environ, "DOCKER_HOST": f"unix://{socket['socket']}"}
        out["check_docker"] = timed("check", "--docker", lab, env=env)
        timed("import", "docker", lab, "-o", str(imported), env=env, ok=(0,))
    finally:
        out["docker_down"] = timed("down", lab, ok=(0,))
    out["ns_up"] = timed("up", str(topo), ok=(0,))
    try:
        out["ns_check"] = timed("check", lab)
    finally:
        out["ns_down"] = timed("down", lab, ok=(0,))
    ilab = re.search(r"^lab: (\S+)", imported.read_text(), flags=re.M).group(1)  # type: ignore[union-attr]
    timed("up", str(imported), ok=(0,))
    try:
        out["imported_check"] = timed("check", ilab)
    finally:
        timed("down", ilab, ok=(0,))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--topology", type=Path, default=DEFAULT)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="nlbench") as work:
        runs = [one_run(args.topology, Path(work), i) for i in range(args.runs)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    result = {
        "topology": args.topology.name,
        "runs": args.runs,
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "ratio_up_docker_vs_namespace": round(med["docker_up"] / med["ns_up"], 2),
        "ratio_check_docker_vs_namespace": round(med["docker_check"] / med["ns_check"], 2),
        "ratio_check_docker_project_vs_imported_lab": round(med["check_docker"] / med["imported_check"], 2),
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return
    for k, v in result["median_s"].items():
        print(f"{k:>16}: {v:.2f} s")
    for k, v in result.items():
        if k.startswith("ratio"):
            print(f"{k}: {v}")


if __name__ == "__main__":
    main()
