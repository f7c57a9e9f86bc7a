"""`netlab drill check --html FILE`: the judge's rows on netlab's report page (netlab/report),
with the answers left out (`answers=False`: no remedy sentence, no setting to change)."""

from __future__ import annotations

from netlab.report import render_report

from . import labs
from .judge import Judgement
from .model import Variant


def judgement_page(variant: Variant, result: Judgement) -> str:
    path, text = labs.read_lab_topology(variant.lab)
    topology = labs.parse_topology(text, str(path))
    report = result.report
    notes = [f"{'✓' if c.ok else '✗'} {c.says}" + (f": {c.why}" if c.why else "") for c in result.constraints]
    return render_report(
        report.verdicts,
        topology,
        title=f"netlab drill {variant.drill.id}: {'solved' if result.solved else 'not solved yet'}",
        subtitle=f"{variant.drill.title} (seed {variant.seed})",
        kinds=report.kinds,
        world=labs.live_world(variant.lab, topology),  # arrows end where the settings run now lead
        notes=notes,
        answers=False,
    )
