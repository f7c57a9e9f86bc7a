"""kafka-python's own producer and consumer integration tests against the broker, one broker and
the three-voter cluster: the `--quick` subset of scripts/compat/kafka_python.py (issue 12: the
clients' suites are too slow for CI as a whole; docs/compat.md has the full tables).

The suite's sdist and its test requirements come from the cache scripts/install.sh fills
(.cache/compat, from PyPI at install time); the run is offline (NETLAB_COMPAT_OFFLINE=1), so a
missing cache fails here naming install.sh instead of downloading. Brokers on loopback only."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.clients, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "compat" / "kafka_python.py"
CACHE = ROOT / ".cache" / "compat"
TIMEOUT_S = 600
COUNTS = re.compile(r"kafka-python \[(?P<mode>[^\]]+)\]: (?P<passed>\d+) passed, (?P<failed>\d+) failed")


@pytest.mark.parametrize("cluster", [False, True], ids=["single", "cluster"])
def test_the_quick_subset_passes(cluster, tmp_path):
    env = dict(
        os.environ,
        NETLAB_COMPAT_CACHE=str(CACHE),
        NETLAB_COMPAT_OFFLINE="1",
        PYTHONPATH=str(ROOT),
        TMPDIR=str(tmp_path),  # the junit file and the brokers' data: this test's own directory
    )
    argv = [sys.executable, str(SCRIPT), "--quick"] + (["--cluster"] if cluster else [])
    cp = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    out = cp.stdout + cp.stderr
    counts = COUNTS.search(out)
    assert counts is not None, f"no result line (exit {cp.returncode}):\n{out[-4000:]}"
    failed = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert (int(counts["failed"]), failed, cp.returncode) == (0, [], 0), out[-4000:]
    # the subset is the suite's producer and consumer files: about 30 tests, none silently lost
    assert int(counts["passed"]) >= 25, out[-4000:]
