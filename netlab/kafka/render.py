"""Verdicts for people (a rich table, then one sentence per ✗) and for programs (JSON)."""

from __future__ import annotations

from typing import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .results import Verdict


def verdicts_json(verdicts: Sequence[Verdict]) -> list[dict]:
    """`netlab check --json`: one object per client and per broker-to-broker link."""
    return [v.to_dict() for v in verdicts]


def verdict_report(verdicts: Sequence[Verdict], title: str | None = None) -> Group:
    """The table of client × result, then for every ✗ its sentence and the client's own text."""
    table = Table(title=title)
    for col in ("#", "from", "to", "client", "result", "failed at"):
        table.add_column(col, no_wrap=True)
    notes: list[Text] = []
    for i, v in enumerate(verdicts, 1):
        mark = Text("✓", style="green") if v.ok else Text("✗", style="bold red")
        table.add_row(str(i), v.from_node, v.to, v.client or "probe", mark,
                      "" if v.ok else f"{v.stage} {v.target or ''}".strip())
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
