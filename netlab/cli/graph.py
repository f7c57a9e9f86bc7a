"""`netlab graph [FILE] --format mermaid|dot|json`: draw a topology."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from netlab.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command()
    def graph(
        file: Optional[Path] = typer.Argument(None, help="topology file (default: topologies/default.yaml)"),
        fmt: str = typer.Option("mermaid", "--format", "-f", help="mermaid (GitHub renders it), dot, or json"),
        as_json: bool = typer.Option(False, "--json", help="same as --format json"),
    ) -> None:
        """Draw nodes, networks, links, addresses and published ports."""
        from netlab.graph import FORMATS, render_graph
        from netlab.plan import compile_plan
        from netlab.topology import DEFAULT_TOPOLOGY, load_topology

        fmt = "json" if as_json else fmt
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}", where="--format")
        plan = compile_plan(load_topology(file or DEFAULT_TOPOLOGY))
        typer.echo(render_graph(plan.lab, plan.meta, fmt), nl=False)
