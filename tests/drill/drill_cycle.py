"""One live drill cycle, in its own process, for test_drills_live.py (several run at once):

    XDG_DATA_HOME=<dir> python tests/drill/drill_cycle.py <drill> <seed> <lab>

`drill start` (the run's own lab name and progress file, so cycles of the same drill, or a
user's drill, never meet) -> `drill check` fails with exactly the declared symptoms and predict
agrees row by row and on the constraints -> `drill solution --apply` -> `drill check` solved,
predict agrees -> `drill reset` -> `drill check` the declared failure again -> `drill stop`
leaves no namespace, /etc/netns entry, lab directory or process.

Prints one JSON line: {"problems": [what did not hold, in words], "seconds": {step: s}}; the
test asserts that `problems` is empty. It checks, it does not decide: each problem is a failed
condition of the cycle above, named.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from netlab.drill import labs, session  # noqa: E402
from netlab.drill.judge import constraints_of  # noqa: E402
from netlab.kafka.lab_report import topology_props  # noqa: E402
from netlab.kernel import nsfs, processes  # noqa: E402
from netlab.lab.paths import lab_paths  # noqa: E402
from netlab.lab.state import load_lab  # noqa: E402


class Cycle:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seconds: dict[str, float] = {}
        self._t = time.monotonic()

    def need(self, ok: bool, what: str) -> bool:
        if not ok:
            self.problems.append(what)
        return ok

    def lap(self, step: str) -> None:
        now = time.monotonic()
        self.seconds[step] = round(now - self._t, 2)
        self._t = now


def predicted_constraints_agree(cycle: Cycle, when: str, variant, judgement) -> None:
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
    cycle.need(
        [c.ok for c in predicted] == [c.ok for c in judgement.constraints],
        f"{when}: predicted constraints {[(c.says, c.ok) for c in predicted]} != judged "
        f"{[(c.says, c.ok, c.why) for c in judgement.constraints]}",
    )


def declared(cycle: Cycle, when: str, judgement) -> None:
    """Exactly the drill's declared symptoms: every `expect:` row as declared, predict agreeing,
    undeclared rows working, not solved, every ✗ sentence without its remedy."""
    report = judgement.report
    cycle.need(report.mismatches() == [], f"{when}: rows not as declared: {report.mismatches()}")
    cycle.need(report.disagreements() == [], f"{when}: predict disagrees: {report.disagreements()}")
    for i, (v, e) in enumerate(zip(report.verdicts, report.expected, strict=True), 1):
        cycle.need(
            v.ok == (e in (None, "ok")), f"{when}: row {i} {v.from_node} -> {v.to} ok={v.ok}, expect {e}"
        )
    cycle.need(not judgement.solved, f"{when}: judged solved")
    for row in judgement.rows:
        if not row.ok:
            cycle.need(
                bool(row.sentence) and " — " not in row.sentence and "can bootstrap from" not in row.sentence,
                f"{when}: {row.text}: the sentence is missing or gives the remedy: {row.sentence!r}",
            )


def run(drill_id: str, seed: int, lab: str) -> Cycle:
    cycle = Cycle()
    started = session.start(drill_id, seed, lab)
    cycle.lap("start")
    variant = started.variant
    state = load_lab(lab)
    netns = list(state.nodes.values())
    pidfiles = [state.paths.process(s.node, s.name).pidfile for s in state.process_steps]
    try:
        cycle.need(variant.lab == lab, f"the lab is {variant.lab!r}, not the run's {lab!r}")
        c = started.complaint
        cycle.need(
            not c.ok and bool(c.client_error or c.reason),
            f"the story's client did not fail in its own words: {c}",
        )
        _, at_start, _ = session.run_check()
        cycle.lap("check_start")
        declared(cycle, "at start", at_start)
        predicted_constraints_agree(cycle, "at start", variant, at_start)
        session.show_solution(apply=True)
        cycle.lap("solution_apply")
        _, after_fix, seconds = session.run_check()
        cycle.lap("check_fixed")
        bad = [
            f"{r.text}: {r.sentence} (the client: {r.client_error})" for r in after_fix.rows if not r.ok
        ] + [c.says for c in after_fix.constraints if not c.ok]
        cycle.need(after_fix.solved, f"after the solution: not solved: {bad}")
        cycle.need(
            after_fix.report.disagreements() == [],
            f"after the solution: predict disagrees: {after_fix.report.disagreements()}",
        )
        cycle.need(seconds is not None, "after the solution: no time recorded")
        predicted_constraints_agree(cycle, "after the solution", variant, after_fix)
        session.reset()
        cycle.lap("reset")
        _, after_reset, _ = session.run_check()
        cycle.lap("check_reset")
        declared(cycle, "after reset", after_reset)
        predicted_constraints_agree(cycle, "after reset", variant, after_reset)
    finally:
        recorded = [processes.read_pidfile(p) for p in pidfiles]
        session.stop()
        cycle.lap("stop")
    cycle.need(not lab_paths(lab).root.exists(), f"stop left {lab_paths(lab).root}")
    cycle.need([ns for ns in netns if nsfs.exists(ns)] == [], "stop left namespaces")
    cycle.need(
        [ns for ns in netns if (Path("/etc/netns") / ns).exists()] == [], "stop left /etc/netns entries"
    )
    cycle.need([r for r in recorded if r and processes.alive(*r)] == [], "stop left processes running")
    cycle.need(not labs.is_up(lab), "stop left the lab up")
    return cycle


def main() -> int:
    drill_id, seed, lab = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    try:
        cycle = run(drill_id, seed, lab)
        out = {"problems": cycle.problems, "seconds": cycle.seconds}
    except Exception:  # the cycle could not run to its end: that is the problem to report
        out = {"problems": [f"the cycle raised: {traceback.format_exc()}"], "seconds": {}}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
