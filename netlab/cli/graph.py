"""`netlab graph [FILE | --lab NAME] --format mermaid|dot|json|svg|png [-o FILE]`: draw a topology
or a running lab."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from netlab.cli._options import json_option, topology_argument, topology_file
from netlab.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command()
    def graph(
        file: Path | None = topology_argument(),
        lab: str | None = typer.Option(None, "--lab", help="draw a running lab from its stored plan instead"),
        fmt: str = typer.Option(
            "mermaid",
            "--format",
            help="mermaid (GitHub renders it), dot, json, or svg / png (drawn by graphviz)",
        ),
        as_json: bool = json_option("same as --format json"),
        output: Path | None = typer.Option(
            None, "--output", "-o", help="write to this file instead of stdout"
        ),
    ) -> None:
        """Draw nodes, networks (bridges), links, addresses, published ports, brokers and their listeners."""
        from netlab.graph import BINARY_FORMATS, FORMATS, render_graph_bytes

        fmt = "json" if as_json else fmt
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}", where="--format")
        if lab is not None and file is not None:
            raise InputError("give a topology FILE or --lab NAME, not both", where="--lab")
        if output is None and fmt in BINARY_FORMATS and sys.stdout.isatty():
            raise InputError(f"{fmt} is binary: write it with -o FILE (or redirect stdout)", where="--format")
        if lab is not None:
            from netlab.lab.state import load_lab

            plan = load_lab(lab).plan
        else:
            from netlab.plan import compile_plan
            from netlab.topology import load_topology

            plan = compile_plan(load_topology(topology_file(file)))
        data = render_graph_bytes(plan.lab, plan.meta, fmt)
        if output is None and fmt not in BINARY_FORMATS:
            typer.echo(data.decode(), nl=False)
            return
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise InputError(f"cannot write {output}: {exc.strerror}", where="--output") from None
        typer.echo(f"wrote {output} ({len(data)} bytes)", err=True)
