"""Every shipped topology, live: `up`, `check` equals `expect:`, `predict` equals `check`, and
`down` leaves nothing (namespaces, /etc/netns dirs, lab directory, processes)."""

from __future__ import annotations

import pytest
import support
from shipped import SHIPPED, cluster_refusal, fresh_lab_name, load

from netlab import lab as labapi
from netlab.kafka.lab_report import broker_logs, live_report
from netlab.kernel import nsfs, processes
from netlab.lab.brokers import wait_started
from netlab.lab.paths import lab_paths
from netlab.plan import compile_plan
from netlab.resources import Namespace, Process

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

CLIENT_TIMEOUT = 4.0  # KRaft labs; ZooKeeper-mode ones get support.ZK_MODE_CLIENT_TIMEOUT


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_up_check_down(path):
    lab = fresh_lab_name()
    text, topology = load(path, lab)
    refusal = cluster_refusal(topology)
    if refusal:
        support.not_runnable_here(f"needs the multi-broker cluster (issue 5); the broker refuses {refusal}")
    plan = compile_plan(topology)
    netns = [s.netns for s in plan.of_kind(Namespace)]
    paths = labapi.apply(plan, topology_text=text)
    pidfiles = []
    try:
        starts = wait_started(lab)
        pidfiles = [paths.process(s.node, s.name).pidfile for s in plan.of_kind(Process)]
        assert all(b.state in ("started", "failed") for b in starts), starts
        prefixes = {s.node: ["ip", "netns", "exec", s.netns] for s in plan.of_kind(Namespace)}
        zk_mode = any(n.zookeeper is not None for n in topology.topology.nodes.values())
        timeout = support.ZK_MODE_CLIENT_TIMEOUT if zk_mode else CLIENT_TIMEOUT
        report = live_report(lab, topology, prefixes, broker_logs(lab, topology), timeout=timeout)
        assert None not in report.expected
        assert report.mismatches() == [], "\n".join(report.mismatches())
        assert report.disagreements() == [], "\n".join(report.disagreements())
        for v in report.verdicts:
            if not v.ok:
                assert v.reason and v.client_error, v  # a sentence and the client's (or Kafka's) own words
    finally:
        recorded = [processes.read_pidfile(p) for p in pidfiles]
        labapi.destroy(lab)
    assert not lab_paths(lab).root.exists()
    assert [ns for ns in netns if nsfs.exists(ns)] == []
    from pathlib import Path

    assert [ns for ns in netns if (Path("/etc/netns") / ns).exists()] == []
    assert [r for r in recorded if r and processes.alive(*r)] == []
