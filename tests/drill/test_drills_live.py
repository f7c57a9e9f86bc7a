"""Every drill live, with real clients in real namespaces: `drill start` fails `drill check` with
exactly the declared symptoms (and predict agrees row by row), `drill solution --apply` makes it
pass (predict still agrees), `drill reset` brings the failure back, `drill stop` leaves nothing.

CI time: one seed per drill live (the seeds rotate over the drills, so each seed is exercised
live), and all three seeds live for three drills (one per kind of fix: a broker setting, a
topology edit, the five-broker cluster). Every drill × every seed is covered without root by
test_drills_predict.py, and live and predicted are equal wherever both run — see docs/drills.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from drillcases import DRILLS, SEEDS

from netlab.drill import labs, session
from netlab.drill.judge import constraints_of
from netlab.kafka.lab_report import topology_props
from netlab.kernel import nsfs, processes
from netlab.lab.paths import lab_paths
from netlab.lab.state import load_lab

pytestmark = [pytest.mark.root, pytest.mark.clients, pytest.mark.slow]

ALL_SEEDS_LIVE = {"localhost_to_container", "published_to_internal", "five_brokers_loopback"}
CASES = [(d, SEEDS[i % len(SEEDS)]) for i, d in enumerate(DRILLS)] + [
    (d, s)
    for d in DRILLS
    if d.id in ALL_SEEDS_LIVE
    for i, s in enumerate(SEEDS)
    if s != SEEDS[DRILLS.index(d) % 3]
]


@pytest.fixture
def progress_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    return tmp_path


def _predicted_constraints_agree(variant, judgement):
    """The predictor's view of the constraints (group_rules for a group) equals the live judge's."""
    report = judgement.report
    running = {
        v.from_node for v, k in zip(report.predicted, report.kinds, strict=True) if k == "start" and v.ok
    }
    applied = labs.parse_topology(labs.lab_topology_path(variant.lab).read_text(), "applied")
    pristine = labs.parse_topology(variant.topology_text, "pristine")
    props = labs.running_props(variant.lab, applied)
    predicted = constraints_of(
        variant.constraints, pristine, applied, topology_props(pristine), props, running
    )
    assert [c.ok for c in predicted] == [c.ok for c in judgement.constraints], (
        predicted,
        judgement.constraints,
    )


def _declared(judgement):
    report = judgement.report
    assert report.mismatches() == [], "\n".join(report.mismatches())
    assert report.disagreements() == [], "\n".join(report.disagreements())
    for v, e in zip(report.verdicts, report.expected, strict=True):
        assert v.ok == (e in (None, "ok")), (v, e)
    assert not judgement.solved


@pytest.mark.parametrize(("drill", "seed"), CASES, ids=[f"{d.id}-seed{s}" for d, s in CASES])
def test_drill_live(drill, seed, progress_home):
    started = session.start(drill.id, seed)
    lab = started.variant.lab
    state = load_lab(lab)
    netns = list(state.nodes.values())
    pidfiles = [state.paths.process(s.node, s.name).pidfile for s in state.process_steps]
    try:
        # the story quotes the real client's own words
        assert not started.complaint.ok and (started.complaint.client_error or started.complaint.reason)
        variant, at_start, _ = session.run_check()
        _declared(at_start)
        _predicted_constraints_agree(variant, at_start)
        for row in at_start.rows:
            if not row.ok:  # the cause sentence, never the remedy
                assert row.sentence and " — " not in row.sentence and "can bootstrap from" not in row.sentence
        session.show_solution(apply=True)
        _, after_fix, seconds = session.run_check()
        bad = [r for r in after_fix.rows if not r.ok] + [c for c in after_fix.constraints if not c.ok]
        assert after_fix.solved, bad
        assert after_fix.report.disagreements() == [], after_fix.report.disagreements()
        assert seconds is not None
        _predicted_constraints_agree(variant, after_fix)
        session.reset()
        _, after_reset, _ = session.run_check()
        _declared(after_reset)
    finally:
        recorded = [processes.read_pidfile(p) for p in pidfiles]
        session.stop()
    assert not lab_paths(lab).root.exists()
    assert [ns for ns in netns if nsfs.exists(ns)] == []
    assert [ns for ns in netns if (Path("/etc/netns") / ns).exists()] == []
    assert [r for r in recorded if r and processes.alive(*r)] == []
    assert not labs.is_up(lab)
