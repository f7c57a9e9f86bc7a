"""`netlab graph [FILE | --lab NAME] --format mermaid|dot|json`: draw a topology or a running lab."""

from __future__ import annotations

from pathlib import Path

import typer

from netlab.cli._options import json_option, topology_argument, topology_file
from netlab.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command()
    def graph(
        file: Path | None = topology_argument(),
        lab: str | None = typer.Option(None, "--lab", help="draw a running lab from its stored plan instead"),
        fmt: str = typer.Option("mermaid", "--format", help="mermaid (GitHub renders it), dot, or json"),
        as_json: bool = json_option("same as --format json"),
    ) -> None:
        """Draw nodes, networks, links, addresses and published ports."""
        from netlab.graph import FORMATS, render_graph

        fmt = "json" if as_json else fmt
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}", where="--format")
        if lab is not None and file is not None:
            raise InputError("give a topology FILE or --lab NAME, not both", where="--lab")
        if lab is not None:
            from netlab.lab.state import load_lab

            plan = load_lab(lab).plan
        else:
            from netlab.plan import compile_plan
            from netlab.topology import load_topology

            plan = compile_plan(load_topology(topology_file(file)))
        typer.echo(render_graph(plan.lab, plan.meta, fmt), nl=False)
