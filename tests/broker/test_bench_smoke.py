"""The throughput benchmark still runs and reports what it promises (no speed is asserted here:
speed is measured by running the benchmark itself, side by side with iperf3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.clients, pytest.mark.slow]

BENCH = Path(__file__).resolve().parents[2] / "scripts" / "bench" / "broker_throughput.py"


def test_broker_throughput_json_contract(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--records",
            "3000",
            "--latency-seconds",
            "0.3",
            "--iperf-seconds",
            "1",
            "--log-dir",
            str(tmp_path),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("records", "record_bytes", "produce_MBps", "consume_MBps", "iperf3_MBps", "p99_ms"):
        assert key in res, key
    assert res["records"] == 3000 and res["record_bytes"] == 1024
    assert res["produce_MBps"] > 0 and res["consume_MBps"] > 0 and res["p99_ms"] > 0
    assert not list(tmp_path.iterdir())  # it removed its broker's log directory
