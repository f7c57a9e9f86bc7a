"""Every shipped topology: `netlab predict` agrees with its `expect:` block, every row has an
expectation, and every ✗ has a sentence (no root, no kernel)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from shipped import ROOT, SHIPPED, load

from netlab.kafka.lab_check import predicted_report


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_prediction_matches_expect(path):
    _, topology = load(path)
    report = predicted_report(topology)
    assert report.notes == []
    assert None not in report.expected, [v.to for v, e in zip(report.verdicts, report.expected) if e is None]
    assert report.mismatches() == []
    for v in report.verdicts:
        assert v.ok or (v.reason and v.cause), v


def test_shipped_set_is_the_issue_list():
    """Topology 1 is default.yaml (lab `default`), then 2..15 as numbered files."""
    names = [p.name for p in SHIPPED]
    assert "default.yaml" in names
    numbers = sorted({int(n[:2]) for n in names if n[:2].isdigit()})
    assert numbers == list(range(2, 16))
    _, default = load(ROOT / "topologies" / "default.yaml")
    assert default.lab == "default"
    readme = (ROOT / "topologies" / "README.md").read_text()
    for name in names:
        assert name in readme, f"{name} is not explained in topologies/README.md"


def test_predict_cli_json_and_exit_codes(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "netlab", "predict", "--json", str(ROOT / "topologies" / "default.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert {"from", "to", "ok", "stage", "reason", "client_error", "expect", "kind"} <= set(rows[0])
    assert [r["kind"] for r in rows][:2] == ["start", "client"]
    # flip one expectation: predict must exit 1 and say which row
    text = (
        (ROOT / "topologies" / "default.yaml")
        .read_text()
        .replace(
            'bootstrap: "broker:29092", client: kcat, expect: bootstrap_unresolved',
            'bootstrap: "broker:29092", client: kcat, expect: ok',
        )
    )
    bad = tmp_path / "t.yaml"
    bad.write_text(text)
    out = subprocess.run(
        [sys.executable, "-m", "netlab", "predict", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 1
    assert "host -> broker:29092: expected ok, but it fails with bootstrap_unresolved" in out.stdout


def test_unregistered_kraft_broker_lists_nobody():
    """A broker-only KRaft node that cannot reach its controller runs but is not in the cluster:
    Metadata from it lists no brokers, and the sentence says why (predicted; the live side is in
    test_cases_live)."""
    _, topology = load(ROOT / "tests" / "topologies" / "cases" / "unregistered-broker.yaml")
    report = predicted_report(topology)
    assert report.mismatches() == []
    row = next(v for v in report.verdicts if v.to == "broker-2:29092" and v.from_node == "client")
    assert row.cause == "metadata_failed"
    assert (
        "broker-2 answered but is not registered with its controller (broker-1:29093 is not reachable"
        in row.reason
    )


def test_predict_needs_no_root():
    """`netlab predict` as an unprivileged user (nobody): same rows, no kernel access."""
    import os
    import shutil

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root to switch to an unprivileged user (setpriv)")
    path = ROOT / "topologies" / "03-inter-broker-loopback.yaml"
    as_nobody = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            sys.executable,
            "-m",
            "netlab",
            "predict",
            "--json",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert as_nobody.returncode == 0, as_nobody.stderr
    _, topology = load(path)
    assert json.loads(as_nobody.stdout) == predicted_report(topology).to_json()
