#!/usr/bin/env python3
"""Start-up of one `python -m broker` node until a client gets metadata (kcat -L lists the
broker), for the two single-node shapes: no process.roles (the plain default) and a combined
KRaft node that is the only voter (process.roles=broker,controller). Median of N runs:

    scripts/bench/single_start.py [--runs 5] [--peer OTHER_CHECKOUT] [--json]

With --peer, every run starts this checkout's broker and then the peer's (e.g. main), alternating,
so both see the same machine load; the report gives both medians and their ratio."""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "broker"))

from brokerproc import free_port  # noqa: E402

SHAPES = {
    "plain": [],
    "kraft-combined": [
        "process.roles=broker,controller",
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    ],
}


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def one_start(shape: str, root: Path = ROOT) -> float:
    port, cport = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        args = ["node.id=1", f"log.dirs={tmp}/logs"] + SHAPES[shape]
        if shape == "plain":
            args.append(f"listeners=PLAINTEXT://127.0.0.1:{port}")
        else:
            args += [
                f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}",
                f"controller.quorum.voters=1@127.0.0.1:{cport}",
            ]
        cmd = [sys.executable, "-m", "broker", "--no-env"]
        for a in args:
            cmd += ["--override", a]
        env = dict(os.environ, PYTHONPATH=str(root))
        t0 = time.monotonic()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=str(root)
        )
        try:
            deadline = t0 + 30
            while time.monotonic() < deadline and not _accepts(port):  # kcat would back off 1 s
                time.sleep(0.005)
            while time.monotonic() < deadline:
                out = subprocess.run(
                    ["kcat", "-L", "-b", f"127.0.0.1:{port}", "-m", "1"],
                    capture_output=True,
                    text=True,
                    timeout=10,
                ).stdout
                if " 1 brokers:" in out:
                    return (time.monotonic() - t0) * 1000
                time.sleep(0.02)
            raise RuntimeError(f"{shape}: no metadata within 30 s")
        finally:
            proc.terminate()
            proc.wait(15)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--peer", type=Path, help="another checkout to start alternately (e.g. /work/main)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    roots = {"this": ROOT} | ({"peer": args.peer.resolve()} if args.peer else {})
    res: dict = {}
    for shape in SHAPES:
        times: dict[str, list[float]] = {k: [] for k in roots}
        for _ in range(args.runs):
            for name, root in roots.items():
                times[name].append(one_start(shape, root))
        res[shape] = {
            name: {"median_ms": round(statistics.median(t)), "runs_ms": [round(x) for x in t]}
            for name, t in times.items()
        }
        if args.peer:
            res[shape]["ratio_this_to_peer"] = round(
                res[shape]["this"]["median_ms"] / res[shape]["peer"]["median_ms"], 2
            )
    if args.json:
        print(json.dumps(res))
        return 0
    for shape, r in res.items():
        for name in roots:
            print(f"{shape:16} {name:5} median {r[name]['median_ms']} ms  runs {r[name]['runs_ms']}")
        if args.peer:
            print(f"{shape:16} ratio this/peer {r['ratio_this_to_peer']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
