"""Verdicts for people (a rich table, then one sentence per ✗) and for programs (JSON)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .results import Verdict


def verdicts_json(verdicts: Sequence[Verdict]) -> list[dict]:
    """`netlab check --json`: one object per client and per broker-to-broker link."""
    return [v.to_dict() for v in verdicts]


def _expect_cell(v: Verdict, expected: str | None) -> Text:
    if expected is None:
        return Text("")
    if (expected == "ok") == v.ok and (v.ok or expected == v.cause):
        return Text("✓", style="green")
    return Text(f"✗ {expected}", style="bold red")


def verdict_report(
    verdicts: Sequence[Verdict], title: str | None = None, expected: Sequence[str | None] | None = None
) -> Group:
    """The table of client × result, then for every ✗ its sentence and the client's own text.
    With `expected` (the topology's `expect:` per row) a column says whether each row matches."""
    table = Table(title=title)
    table.add_column("#", no_wrap=True)
    table.add_column("from", no_wrap=True)
    table.add_column("to", min_width=14, overflow="fold")
    table.add_column("client", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("cause", min_width=12, overflow="fold")
    if expected is not None:
        table.add_column("as expected", no_wrap=True)
    notes: list[Text] = []
    for i, v in enumerate(verdicts, 1):
        mark = Text("✓", style="green") if v.ok else Text("✗", style="bold red")
        start_row = v.client == "broker" and v.stage in (None, "start") and "://" in v.to
        cells: list[str | Text] = [
            str(i),
            v.from_node,
            "(starts)" if start_row else v.to,
            v.client or "probe",
            mark,
            "" if v.ok else (v.cause or v.stage or ""),
        ]
        if expected is not None:
            cells.append(_expect_cell(v, expected[i - 1]))
        table.add_row(*cells)
        if v.ok and v.warning:
            notes.append(Text(f"{i}. ⚠ {v.from_node} → {v.to}: {v.warning}", style="yellow"))
        if not v.ok:
            note = Text(f"{i}. ", style="bold red")
            note.append(f"{v.from_node} → {v.to}: ", style="bold")
            note.append(v.reason or "")
            if v.client_error:
                note.append(f"\n   {v.client or 'client'} said: {v.client_error}", style="dim")
            notes.append(note)
    return Group(table, *notes)
