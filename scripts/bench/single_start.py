#!/usr/bin/env python3
"""Start-up of one `python -m broker` node until a client gets metadata (kcat -L lists the
broker), for the two single-node shapes: no process.roles (the plain default) and a combined
KRaft node that is the only voter (process.roles=broker,controller). Median of N runs:

    scripts/bench/single_start.py [--runs 5] [--json]

Run it before and after a change on the same machine; compare the medians (a ratio)."""

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


def one_start(shape: str) -> float:
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
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
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
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = {}
    for shape in SHAPES:
        times = [one_start(shape) for _ in range(args.runs)]
        res[shape] = {"median_ms": round(statistics.median(times)), "runs_ms": [round(t) for t in times]}
    if args.json:
        print(json.dumps(res))
    else:
        for shape, r in res.items():
            print(f"{shape:16} median {r['median_ms']} ms  runs {r['runs_ms']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
