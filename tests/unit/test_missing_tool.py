"""A program a test needs that is not installed: that test is reported NOT RUN naming the
program (tests/conftest.py), the rest of the run goes on (issue 11, item 0)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

INNER = """
import subprocess

import pytest


def test_runs_a_missing_program():
    subprocess.run(["netlab-no-such-program-x1"], check=True)


@pytest.fixture
def needs_program():
    subprocess.run(["netlab-no-such-program-x2"], check=True)


def test_fixture_runs_a_missing_program(needs_program):
    pass


def test_other_tests_still_run():
    assert 1 + 1 == 2


def test_a_missing_data_file_is_still_a_failure():
    open("/nonexistent/netlab-data-file")
"""


def test_missing_program_is_not_run_and_named(tmp_path):
    for name in ("conftest.py", "support.py"):
        shutil.copy(TESTS / name, tmp_path / name)
    (tmp_path / "test_inner.py").write_text(INNER)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    out = result.stdout
    assert "1 failed, 1 passed, 2 skipped" in out, out
    assert "`netlab-no-such-program-x1` is not installed here" in out
    assert "`netlab-no-such-program-x2` is not installed here" in out
    assert "2 CHECKS DID NOT RUN HERE" in out
    assert "test_a_missing_data_file_is_still_a_failure" in out and "FAILED" in out
