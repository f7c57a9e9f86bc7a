"""Suite-wide rules.

- Tests marked `root` need real namespaces; without root they are skipped *loudly*.
- A check that cannot run on this kernel (netem, VLAN, bonding...) calls
  `support.not_on_this_kernel(feature)`: the test is skipped, never passed, and the run ends with a
  banner listing every such check so nobody mistakes a green run for full coverage.
- Under pytest-xdist (scripts/test runs the test files in parallel: docs/testing.md) a file runs
  whole in one worker, so its module fixtures are built once; files that build labs of the same
  fixed name (SHARED_LABS) run in one worker, one after the other; and the files with the most
  `slow` tests are handed out first, so the longest files do not start last.
- A program a test runs that is not installed (FileNotFoundError from subprocess, in the test or
  in a fixture) makes that test NOT RUN with the program's name, never an error that reads like
  a bug; scripts/install.sh installs every program the suite runs.
"""

from __future__ import annotations

import os
import shutil

import pytest
from support import NOT_RUN_PREFIX, SHARED_LABS, missing_program
from xdist.scheduler import LoadFileScheduling


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
    return sum(10 if "slow" in i.keywords else 0.3 if "root" in i.keywords else 0.1 for i in items)


def _heaviest_files_first(items) -> None:
    by_file: dict[str, list] = {}
    for item in items:
        by_file.setdefault(str(item.path), []).append(item)
    weight = {path: _file_weight(group) for path, group in by_file.items()}
    order = {path: n for n, path in enumerate(by_file)}  # ties keep collection order
    items.sort(key=lambda i: (-weight[str(i.path)], order[str(i.path)]))  # stable within a file


def pytest_collection_modifyitems(config, items):
    if hasattr(config, "workerinput"):  # an xdist worker: every worker sorts alike (one collection)
        _heaviest_files_first(items)
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


class FileOrSharedLabScheduling(LoadFileScheduling):
    """xdist's --dist loadfile, except that the files of one SHARED_LABS group are one unit of
    work, and units are handed out in collection order (heaviest files first), not by size."""

    def __init__(self, config, log=None):
        super().__init__(config, log)
        config.option.loadscopereorder = False

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        return SHARED_LABS.get(path, path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadfile":
        return FileOrSharedLabScheduling(config, log)
    return None
