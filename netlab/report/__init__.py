"""`netlab report`: the lab and its verdicts as one self-contained HTML page (and SVG).

    render_report(verdicts, topology, ...) -> str     # any rows: predict, check, a drill's
    render_lab_report(report, topology, ...) -> str   # a lab_report.Report, expectations included

model.py (rows: reached node, failing step, cause/setting) → layout.py (graphviz coordinates)
→ svg.py (the picture) → page.py (the HTML). docs/report.md explains the page.
"""

from __future__ import annotations

from collections.abc import Sequence

from netlab.graph import graph_model
from netlab.kafka.lab_report import Report, world_of
from netlab.kafka.results import Verdict
from netlab.kafka.views import World
from netlab.plan import compile_plan
from netlab.topology.models import Topology
from netlab.topology.view import Resolved

from .layout import layout
from .model import Row, RowCapture, build_rows
from .page import page_html
from .svg import lab_svg

__all__ = ["Row", "RowCapture", "render_report", "render_lab_report", "report_parts"]


def _model(topology: Topology | Resolved) -> Topology:
    """The topology as written (`load_topology` gives the Resolved view; either is taken)."""
    return topology.topology if isinstance(topology, Resolved) else topology


def report_parts(
    verdicts: Sequence[Verdict],
    topology: Topology | Resolved,
    *,
    kinds: Sequence[str] | None = None,
    expected: Sequence[str | None] | None = None,
    captures: Sequence[RowCapture | None] | None = None,
    world: World | None = None,
) -> tuple[list[Row], str]:
    """(rows, svg) of a report: what the page is made of, for callers that want the picture alone."""
    world = world_of(topology) if world is None else world
    rows = build_rows(verdicts, world, kinds=kinds, expected=expected, captures=captures)
    lab = _model(topology).lab
    model = graph_model(lab, compile_plan(topology).meta)
    svg = lab_svg(layout(model), rows, f"lab {lab}")
    return rows, svg


def render_report(
    verdicts: Sequence[Verdict],
    topology: Topology | Resolved,
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
        title=title or f"netlab report: lab {_model(topology).lab}",
        subtitle=subtitle or _model(topology).description,
        notes=notes,
        answers=answers,
    )


def render_lab_report(
    report: Report, topology: Topology | Resolved, *, title: str | None = None, live: bool, **kw
) -> str:
    """The page of a `netlab check` (live) or `netlab predict` run (lab_report.Report)."""
    notes = list(report.notes) + [f"prediction and live result differ: {d}" for d in report.disagreements()]
    how = "live check with real clients" if live else "predicted from the topology file (netlab predict)"
    description = _model(topology).description
    return render_report(
        report.verdicts,
        topology,
        title=title,
        subtitle=f"{description + ' — ' if description else ''}{how}",
        kinds=report.kinds,
        expected=report.expected,
        notes=notes,
        **kw,
    )
