"""`netlab report`: the lab and its verdicts as one self-contained HTML page (and SVG).

    render_report(verdicts, topology, ...) -> str     # any rows: predict, check, a drill's
    render_lab_report(report, topology, ...) -> str   # a lab_check.Report, expectations included

model.py (rows: reached node, failing step, cause/setting) → layout.py (graphviz coordinates)
→ svg.py (the picture) → page.py (the HTML). docs/report.md explains the page.
"""

from __future__ import annotations

from collections.abc import Sequence

from netlab.graph import graph_model
from netlab.kafka.lab_check import Report, world_of
from netlab.kafka.results import Verdict
from netlab.kafka.views import World
from netlab.plan import compile_plan
from netlab.topology.models import Topology

from .layout import layout
from .model import Row, RowCapture, build_rows
from .page import page_html
from .svg import lab_svg

__all__ = ["Row", "RowCapture", "render_report", "render_lab_report", "report_parts"]


def report_parts(
    verdicts: Sequence[Verdict],
    topology: Topology,
    *,
    kinds: Sequence[str] | None = None,
    expected: Sequence[str | None] | None = None,
    captures: Sequence[RowCapture | None] | None = None,
    world: World | None = None,
) -> tuple[list[Row], str]:
    """(rows, svg) of a report: what the page is made of, for callers that want the picture alone."""
    world = world_of(topology) if world is None else world
    rows = build_rows(verdicts, world, kinds=kinds, expected=expected, captures=captures)
    model = graph_model(topology.lab, compile_plan(topology).meta)
    svg = lab_svg(layout(model), rows, f"lab {topology.lab}")
    return rows, svg


def render_report(
    verdicts: Sequence[Verdict],
    topology: Topology,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    kinds: Sequence[str] | None = None,
    expected: Sequence[str | None] | None = None,
    captures: Sequence[RowCapture | None] | None = None,
    world: World | None = None,
    notes: Sequence[str] = (),
    answers: bool = True,
) -> str:
    """The page for any list of verdict rows of `topology`. `answers=False` leaves out netlab's
    cause sentence and the setting to change (a drill's page shows the symptoms only);
    `world` defaults to the topology's predicted world (pass the live one after a check)."""
    rows, svg = report_parts(
        verdicts, topology, kinds=kinds, expected=expected, captures=captures, world=world
    )
    return page_html(
        rows,
        svg,
        title=title or f"netlab report: lab {topology.lab}",
        subtitle=subtitle or topology.description,
        notes=notes,
        answers=answers,
    )


def render_lab_report(
    report: Report, topology: Topology, *, title: str | None = None, live: bool, **kw
) -> str:
    """The page of a `netlab check` (live) or `netlab predict` run (lab_check.Report)."""
    notes = list(report.notes) + [f"prediction and live result differ: {d}" for d in report.disagreements()]
    how = "live check with real clients" if live else "predicted from the topology file (netlab predict)"
    return render_report(
        report.verdicts,
        topology,
        title=title,
        subtitle=f"{topology.description + ' — ' if topology.description else ''}{how}",
        kinds=report.kinds,
        expected=report.expected,
        notes=notes,
        **kw,
    )
