"""What each `netlab drill` subcommand does, as library functions (the CLI only parses and prints).

One drill runs at a time per user (progress.current; one command at a time: progress.exclusive).
Its lab is named after the drill unless the run names it (`start --lab`), so that two runs of
the same drill (two users, a user and a test) do not take each other's lab. Every failure that
the user can act on is an InputError (exit 2) that says what to do, and leaves the progress file
and the lab as they were.
"""

from __future__ import annotations

import functools
import random
import time
from dataclasses import dataclass
from typing import Any

from netlab.errors import InputError, NetlabError
from netlab.kafka.lab_report import topology_props
from netlab.topology.types import check_lab_name

from . import labs, solution
from .catalog import all_drills, get_drill
from .judge import Judgement, judge
from .model import Variant
from .progress import Progress, exclusive, load_progress, save_progress

GROUP_TIMEOUT = 6.0  # a group forms in < 1 s here; without a coordinator the client retries until then
# seconds each real client gets in `drill check`. A working row ends as soon as its client has
# produced and consumed, a failing one once the client has said why (verdicts.run_clients), so
# only a loaded machine meets the bound: kcat has half of it to produce, and 2 s (the bound was
# 4) ran out in CI with four drills and the suite sharing two cores. All 51 live cycles: 91 s
# with 4, 92 s with 8.
CHECK_TIMEOUT = 8.0
STORY_TIMEOUT = (
    1.0  # the one client run for the story: its first error comes within ms (measured for every drill)
)


def one_at_a_time(command):
    """A command that reads, acts on and writes the progress runs alone (progress.exclusive)."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        with exclusive():
            return command(*args, **kwargs)

    return run


@dataclass
class Started:
    variant: Variant
    brokers: list
    complaint: Any  # the live Verdict of the story's client: what the user sees, verbatim
    lab_file: str


def list_drills(progress: Progress) -> list[dict[str, Any]]:
    out = []
    for d in all_drills():
        rec = progress.drills.get(d.id, {})
        out.append(
            {
                "id": d.id,
                "title": d.title,
                "difficulty": d.difficulty,
                "topics": list(d.topics),
                "state": progress.state_of(d.id),
                "attempts": rec.get("attempts", 0),
                "hints_used": rec.get("hints_used", 0),
                "best_seconds": rec.get("best_seconds"),
                "running": bool(progress.current and progress.current["id"] == d.id),
            }
        )
    return out


def _current(progress: Progress) -> dict[str, Any]:
    if progress.current is None:
        raise InputError(
            "no drill is running; start one with: sudo netlab drill start <id> (see netlab drill list)",
            where="netlab drill",
        )
    return progress.current


def current_variant(progress: Progress) -> Variant:
    cur = _current(progress)
    return get_drill(cur["id"]).variant(int(cur["seed"]), cur.get("lab"))


def require_lab(variant: Variant) -> None:
    if not labs.is_up(variant.lab):
        raise InputError(
            f"drill {variant.drill.id} is running but its lab {variant.lab!r} is not up (removed outside "
            f"netlab drill, or the machine restarted); rebuild it with: sudo netlab drill reset — or end "
            f"the drill with: sudo netlab drill stop (your progress is kept)",
            where="netlab drill",
        )


def _build(variant: Variant) -> list:
    return labs.build(variant.topology_text, f"drill {variant.drill.id} (seed {variant.seed})").brokers


def _complaint(variant: Variant):
    if variant.story["complaint"] == "group":  # the first group constraint, with real clients
        g = next(
            dict(next(iter(c.values())))
            for c in variant.constraints
            if isinstance(c, dict) and ("group_forms" in c or "group_members" in c)
        )
        ok, error = labs.run_group_client(variant.lab, g, STORY_TIMEOUT * 2)
        return labs.Verdict(
            g["node"], g["bootstrap"], ok, client=f"confluent-kafka, group {g['group']}", client_error=error
        )
    idx = int(variant.story["complaint"]) - 1
    topology = labs.parse_topology(variant.topology_text, f"drill {variant.drill.id}")
    c = topology.clients[idx]
    return labs.run_one_client(variant.lab, topology, c.node, c.bootstrap, c.client, STORY_TIMEOUT)


def lab_name(drill_id: str, lab: str | None) -> str:
    """The run's lab: the drill's id, or the name given with --lab (a valid lab name)."""
    if lab is None:
        return drill_id
    try:
        return check_lab_name(lab)
    except ValueError as exc:
        raise InputError(str(exc), where="netlab drill start --lab") from None


@one_at_a_time
def start(drill_id: str, seed: int | None, lab: str | None = None) -> Started:
    progress = load_progress()
    drill = get_drill(drill_id)
    lab = lab_name(drill.id, lab)
    if progress.current is not None:
        cur = progress.current
        raise InputError(
            f"drill {cur['id']} (seed {cur['seed']}) is running; one drill at a time: finish it or "
            f"end it with: sudo netlab drill stop",
            where="netlab drill start",
        )
    if labs.is_up(lab):
        raise InputError(
            f"a lab named {lab!r} is already up (another run of this drill: another user's, or a test's; "
            f"or a lab of that name); give this run its own lab: sudo netlab drill start {drill.id} "
            f"--lab <name> (1-32 of a-z 0-9 _), or remove that lab with: sudo netlab down {lab}",
            where="netlab drill start",
        )
    seed = random.SystemRandom().randrange(1, 100000) if seed is None else seed
    variant = drill.variant(seed, lab)
    brokers = _build(variant)  # InputError (lab name taken, not root) before anything is recorded
    progress.current = {
        "id": drill.id,
        "seed": seed,
        "lab": variant.lab,
        "started_at": time.time(),
        "applied": variant.topology_text,
    }
    progress.record(drill.id)
    save_progress(progress)
    return Started(variant, brokers, _complaint(variant), str(labs.lab_topology_path(variant.lab)))


def _applied_topology(variant: Variant, progress: Progress):
    path, text = labs.read_lab_topology(variant.lab)
    if text != _current(progress).get("applied"):
        raise InputError(
            f"{path} was edited but not applied; apply it with: sudo netlab drill apply (or undo the edit)",
            where="netlab drill check",
        )
    return labs.parse_topology(text, str(path))


@one_at_a_time
def run_check(timeout: float = CHECK_TIMEOUT) -> tuple[Variant, Judgement, float | None]:
    """Judge the running drill live; record the attempt (and the time when solved)."""
    progress = load_progress()
    variant = current_variant(progress)
    require_lab(variant)
    applied = _applied_topology(variant, progress)
    pristine = labs.parse_topology(variant.topology_text, f"drill {variant.drill.id}")
    report = labs.live_judge_report(variant.lab, applied, timeout)
    props = labs.running_props(variant.lab, applied)
    result = judge(
        report,
        variant.constraints,
        pristine,
        applied,
        topology_props(pristine),
        props,
        groups=lambda spec: labs.run_group_client(variant.lab, spec, GROUP_TIMEOUT),
    )
    rec = progress.record(variant.drill.id)
    rec["attempts"] = rec.get("attempts", 0) + 1
    seconds = None
    if result.solved:
        seconds = round(time.time() - float(_current(progress).get("started_at", time.time())), 1)
        rec["state"] = "solved"
        rec["solved_at"] = time.time()
        best = rec.get("best_seconds")
        rec["best_seconds"] = seconds if best is None else min(best, seconds)
    save_progress(progress)
    return variant, result, seconds


@one_at_a_time
def hint(level: int | None = None) -> tuple[Variant, int, str]:
    """The next hint (or a given level up to the next one); each use is recorded."""
    progress = load_progress()
    variant = current_variant(progress)
    rec = progress.record(variant.drill.id)
    used = int(rec.get("hints_used", 0))
    if level is None:
        level = min(used + 1, 3)
    if not 1 <= level <= min(used + 1, 3):
        raise InputError(
            f"hint level {level}: levels go 1 (where to look), 2 (which rule), 3 (what to change), "
            f"one at a time; the next one is {min(used + 1, 3)}",
            where="netlab drill hint",
        )
    rec["hints_used"] = max(used, level)
    save_progress(progress)
    return variant, level, variant.hints[level - 1]


@one_at_a_time
def show_solution(apply: bool) -> tuple[Variant, str, list]:
    """The solution as a diff with its why; with apply, make the change."""
    progress = load_progress()
    variant = current_variant(progress)
    if apply:
        require_lab(variant)
    pristine = labs.parse_topology(variant.topology_text, f"drill {variant.drill.id}")
    lab_file = str(labs.lab_topology_path(variant.lab))
    text = solution.diff(variant, topology_props(pristine), lab_file)
    progress.record(variant.drill.id)["solution_shown"] = True
    save_progress(progress)
    restarts: list = []
    if apply:
        edited = solution.edited_topology(variant)
        if edited is not None:
            labs.lab_topology_path(variant.lab).write_text(edited)
            _apply_edited()
        for node, changes in solution.settings(variant).items():
            restarts.append((node, labs.set_properties(variant.lab, node, changes)))
    return variant, text, restarts


@one_at_a_time
def apply_edited() -> tuple[Variant, bool, list]:
    """Rebuild the drill's lab from its edited topology file (see _apply_edited)."""
    return _apply_edited()


def _apply_edited() -> tuple[Variant, bool, list]:
    """Rebuild the drill's lab from its edited topology file. A file that does not validate
    changes nothing (exit 2, file:line: path); a lab that cannot be rebuilt is rebuilt as it was."""
    progress = load_progress()
    variant = current_variant(progress)
    require_lab(variant)
    path, text = labs.read_lab_topology(variant.lab)
    if text == _current(progress).get("applied"):
        return variant, False, []
    topology = labs.parse_topology(text, str(path))  # InputError: nothing touched
    if topology.lab != variant.lab:
        raise InputError(f"lab: must stay {variant.lab!r} (the running drill's lab)", where=str(path))
    previous = _current(progress)["applied"]
    labs.remove(variant.lab)
    try:
        brokers = labs.build(text, str(path)).brokers
    except NetlabError:
        labs.build(previous, f"drill {variant.drill.id}")
        labs.lab_topology_path(variant.lab).write_text(text)  # keep the user's edit to fix
        _current(progress)["applied"] = previous
        save_progress(progress)
        raise
    _current(progress)["applied"] = text
    save_progress(progress)
    return variant, True, brokers


@one_at_a_time
def reset() -> tuple[Variant, list]:
    """Back to the broken start of the same seed (the lab is rebuilt; edits are dropped)."""
    progress = load_progress()
    variant = current_variant(progress)
    labs.remove(variant.lab)
    brokers = _build(variant)
    _current(progress)["applied"] = variant.topology_text
    save_progress(progress)
    return variant, brokers


@one_at_a_time
def stop() -> tuple[str, bool]:
    """End the running drill: remove its lab, keep its progress."""
    progress = load_progress()
    variant = current_variant(progress)
    existed = labs.remove(variant.lab)
    progress.current = None
    save_progress(progress)
    return variant.drill.id, existed
