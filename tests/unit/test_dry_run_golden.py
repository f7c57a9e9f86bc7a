"""`netlab up --dry-run` (text and --json) for every shipped topology is byte-identical to the
golden files in tests/data/dry_run/ (generated from the code before the issue-10 refactoring), so
moving code around provably does not change what a lab is built from.

Regenerate deliberately (after a change that should alter plans) with
`NETLAB_REGOLD=1 pytest tests/unit/test_dry_run_golden.py`, and review the diff.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from netlab.rundir import RUN_DIR

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "dry_run"
TOPOLOGIES = sorted((ROOT / "topologies").glob("*.yaml")) + sorted(
    (ROOT / "topologies" / "examples").glob("*.yaml")
)
PYTHON = "<python>"  # the interpreter and the checkout differ between machines: both are normalised
REPO = "<repo>"


def _golden_name(path: Path, fmt: str) -> str:
    rel = path.relative_to(ROOT / "topologies").with_suffix("")
    return "__".join(rel.parts) + (".json" if fmt == "json" else ".txt")


@pytest.fixture
def dry_run(capsys, monkeypatch):
    """`netlab up --dry-run [--json] <relative path>` in-process, from the repository root (the
    plan names its source file as given)."""
    from netlab.cli import main

    monkeypatch.chdir(ROOT)

    def run(path: Path, as_json: bool) -> str:
        args = ["netlab", "up", "--dry-run", *(["--json"] if as_json else []), str(path.relative_to(ROOT))]
        monkeypatch.setattr(sys, "argv", args)
        code: object = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        text = f"exit {code}\n--- stdout\n{out.out}--- stderr\n{' '.join(out.err.split())}\n"
        text = text.replace(sys.executable, PYTHON).replace(str(ROOT), REPO)
        # NETLAB_RUN_DIR moves the lab directories the plan names: compare as if it were the default
        return text if str(RUN_DIR) == "/run/netlab" else text.replace(str(RUN_DIR), "/run/netlab")

    return run


def test_every_shipped_topology_has_a_golden_file():
    assert len(TOPOLOGIES) >= 20
    if os.environ.get("NETLAB_REGOLD"):
        pytest.skip("regenerating golden files")
    missing = [
        _golden_name(p, f)
        for p in TOPOLOGIES
        for f in ("txt", "json")
        if not (GOLDEN / _golden_name(p, f)).exists()
    ]
    assert not missing, f"no golden dry-run output for: {missing}"


@pytest.mark.parametrize("fmt", ["txt", "json"])
@pytest.mark.parametrize("path", TOPOLOGIES, ids=lambda p: str(p.relative_to(ROOT / "topologies")))
def test_dry_run_output_is_unchanged(dry_run, path, fmt):
    got = dry_run(path, fmt == "json")
    golden = GOLDEN / _golden_name(path, fmt)
    if os.environ.get("NETLAB_REGOLD"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got)
        return
    assert got.startswith("exit 0\n"), got[:400]
    assert got == golden.read_text()
