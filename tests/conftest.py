"""Suite-wide rules.

- Tests marked `root` need real namespaces; without root they are skipped *loudly*.
- A check that cannot run on this kernel (netem, VLAN, bonding...) calls
  `support.not_on_this_kernel(feature)`: the test is skipped, never passed, and the run ends with a
  banner listing every such check so nobody mistakes a green run for full coverage.
"""

from __future__ import annotations

import os

import pytest
from support import NOT_RUN_PREFIX


def pytest_collection_modifyitems(config, items):
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
