"""Suite-wide rules.

- Tests marked `root` need real namespaces; without root they are skipped *loudly*.
- A check that cannot run on this kernel (netem, VLAN, bonding...) calls
  `support.not_on_this_kernel(feature)`: the test is skipped, never passed, and the run ends with a
  banner listing every such check so nobody mistakes a green run for full coverage.
- Under pytest-xdist (scripts/test runs the files in parallel, one file per worker at a time:
  docs/testing.md) the files with the most `slow` tests are handed out first, so the longest files
  do not start last and leave the other workers idle at the end.
- A program a test runs that is not installed (FileNotFoundError from subprocess, in the test or
  in a fixture) makes that test NOT RUN with the program's name, never an error that reads like
  a bug; scripts/install.sh installs every program the suite runs.
"""

from __future__ import annotations

import os
import shutil

import pytest
from support import NOT_RUN_PREFIX, missing_program


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    program = missing_program(call.excinfo) if call.excinfo is not None else None
    if program is not None and shutil.which(program) is None:
        report.outcome = "skipped"
        reason = f"{NOT_RUN_PREFIX}`{program}` is not installed here (scripts/install.sh installs it)"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {reason}")


def _file_weight(items) -> float:
    """A guess at how long a file runs, from its marks: `slow` tests take seconds to minutes."""
    return sum(10 if "slow" in i.keywords else 1 if "root" in i.keywords else 0.1 for i in items)


def _heaviest_files_first(items) -> None:
    by_file: dict[str, list] = {}
    for item in items:
        by_file.setdefault(str(item.path), []).append(item)
    weight = {path: _file_weight(group) for path, group in by_file.items()}
    order = {path: n for n, path in enumerate(by_file)}  # ties keep collection order
    items.sort(key=lambda i: (-weight[str(i.path)], order[str(i.path)]))  # stable within a file


def pytest_collection_modifyitems(config, items):
    if getattr(config.option, "numprocesses", None):
        _heaviest_files_first(items)  # every worker sorts alike, so xdist sees one collection
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason=f"{NOT_RUN_PREFIX}needs root (real namespaces); run the suite with sudo")
    for item in items:
        if "root" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    not_run = []
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if NOT_RUN_PREFIX in reason:
            not_run.append((report.nodeid, reason.split(NOT_RUN_PREFIX, 1)[1]))
    if not_run:
        terminalreporter.write_sep(
            "!", f"{len(not_run)} CHECKS DID NOT RUN HERE (not passed)", red=True, bold=True
        )
        for nodeid, reason in not_run:
            terminalreporter.write_line(f"  {nodeid}: {reason}", red=True)
