"""Every drill × three seeds, without root: the start is what its `expect:` rows declare (and fails),
the solution makes every row work, the drill's rule is the predictor's, constraints accept the
solution, and hints before level 3 give none of the solution's values away."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from drillcases import DRILLS, SEEDS, fixed, predicted_fixed, predicted_start, start_topology

from netlab.drill import solution
from netlab.drill.judge import constraints_of, judge
from netlab.kafka.lab_report import topology_props
from netlab.topology.resolve import resolve

CASES = [(d, s) for d in DRILLS for s in SEEDS]
IDS = [f"{d.id}-seed{s}" for d, s in CASES]


def test_at_least_fifteen_drills_with_distinct_labs():
    assert len(DRILLS) >= 15
    shipped = {
        yaml.safe_load(p.read_text())["lab"]
        for p in (Path(__file__).resolve().parents[2] / "topologies").glob("*.yaml")
    }
    assert not {d.id for d in DRILLS} & shipped  # a drill's lab never collides with a shipped lab


@pytest.mark.parametrize(("drill", "seed"), CASES, ids=IDS)
def test_start_is_the_declared_failure(drill, seed):
    v = drill.variant(seed)
    report = predicted_start(v)
    assert report.mismatches() == [], "\n".join(report.mismatches())
    assert report.notes == []
    for r, e in zip(report.verdicts, report.expected, strict=True):
        assert r.ok == (e in (None, "ok")), (r, e)  # undeclared rows work
    pristine = start_topology(v)
    props = topology_props(pristine)
    judged = judge(report, v.constraints, pristine, pristine, props, props)
    assert not judged.solved, "a drill starts broken"
    # the drill's rule is the predictor's: the complaint fails with rule.cause (and rule.message)
    if v.story["complaint"] == "group":
        groups = [c for c in judged.constraints if c.says.startswith("consumer group")]
        assert groups and not groups[0].ok and drill.rule["message"] in groups[0].why, groups
        assert drill.rule["cause"] in ("group_forms", "group_members")
        return
    complaint = report.verdicts[report.kinds.count("start") + int(v.story["complaint"]) - 1]
    assert not complaint.ok
    if drill.rule["cause"] == "broker_not_started":
        starts = [r for r, k in zip(report.verdicts, report.kinds, strict=True) if k == "start" and not r.ok]
        assert starts and all(drill.rule["message"] in (r.reason or "") for r in starts), starts
    else:
        assert complaint.cause == drill.rule["cause"], complaint


@pytest.mark.parametrize(("drill", "seed"), CASES, ids=IDS)
def test_solution_makes_every_row_work_and_keeps_the_constraints(drill, seed):
    v = drill.variant(seed)
    report = predicted_fixed(v)
    bad = [r for r in report.verdicts if not r.ok]
    assert bad == [], bad
    pristine = start_topology(v)
    topology, props = fixed(v)
    running = {
        r.from_node for r, k in zip(report.verdicts, report.kinds, strict=True) if k == "start" and r.ok
    }
    results = constraints_of(v.constraints, pristine, topology, topology_props(pristine), props, running)
    assert all(c.ok for c in results), results


@pytest.mark.parametrize(("drill", "seed"), CASES, ids=IDS)
def test_hints_before_level_three_hold_back_the_solution(drill, seed):
    v = drill.variant(seed)
    values = solution.new_values(v, topology_props(start_topology(v)))
    assert values
    for level, hint in enumerate(v.hints[:2], 1):
        leaked = [x for x in values if x in hint]
        assert leaked == [], f"hint {level} gives away {leaked}"
    assert any(x in v.hints[2] or x in v.solution["why"] for x in values) or solution.edited_topology(v)


@pytest.mark.parametrize("drill", DRILLS, ids=[d.id for d in DRILLS])
def test_same_seed_same_lab_and_seeds_vary(drill):
    a, b = drill.variant(7), drill.variant(7)
    assert a.topology_text == b.topology_text and a.params == b.params
    texts = {drill.variant(s).topology_text for s in range(1, 12)}
    assert len(texts) > 1  # the variants do differ
    resolve(start_topology(a))


@pytest.mark.parametrize("drill", DRILLS, ids=[d.id for d in DRILLS])
def test_every_parameter_shapes_the_lab(drill):
    picked = {p.by for p in drill.picks}
    judged = str(drill.constraints)  # a parameter may shape the judge (a group's name) instead
    unused = [p for p in drill.params if p not in picked and "${" + p + "}" not in drill.template + judged]
    assert unused == [], f"parameters that change nothing in the lab: {unused}"
