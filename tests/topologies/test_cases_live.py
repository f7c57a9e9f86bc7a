"""Labs that are not shipped but pin a behaviour live: check == expect and predict == check."""

from __future__ import annotations

import pytest
import support
from shipped import ROOT, cluster_refusal, fresh_lab_name, load

from netlab import lab as labapi
from netlab.kafka.lab_report import broker_logs, live_report
from netlab.lab.brokers import wait_started
from netlab.plan import compile_plan
from netlab.resources import Namespace

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

CASES = sorted((ROOT / "tests" / "topologies" / "cases").glob("*.yaml"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_live(path):
    lab = fresh_lab_name()
    text, topology = load(path, lab)
    refusal = cluster_refusal(topology)
    if refusal:
        support.not_runnable_here(f"needs the multi-broker cluster (issue 5); the broker refuses {refusal}")
    plan = compile_plan(topology)
    labapi.apply(plan, topology_text=text)
    try:
        starts = {b.node: b.state for b in wait_started(lab)}
        if "unregistered" in path.stem:
            assert starts == {"broker-1": "started", "broker-2": "unregistered"}
        prefixes = {s.node: ["ip", "netns", "exec", s.netns] for s in plan.of_kind(Namespace)}
        report = live_report(lab, topology, prefixes, broker_logs(lab, topology), timeout=4.0)
        assert report.mismatches() == [], report.mismatches()
        assert report.disagreements() == [], report.disagreements()
    finally:
        labapi.destroy(lab)
