"""`netlab groups <lab> <node> [--group G] [--json]`: a broker's consumer groups (members,
assignments, committed offsets, lag), from its log directories — works while it runs or is down."""

from __future__ import annotations

import subprocess
import sys

import typer

from netlab.cli._kafka import broker_step
from netlab.cli._options import json_option, lab_argument, node_argument


def register(app: typer.Typer) -> None:
    @app.command()
    def groups(
        lab: str = lab_argument(),
        node: str = node_argument("a node that runs a broker"),
        group: list[str] | None = typer.Option(None, "--group", help="only this group (repeatable)"),
        as_json: bool = json_option(),
    ) -> None:
        """Consumer groups of a broker (python -m broker.consumer_groups on its log directories)."""
        from broker.properties import parse_properties
        from netlab.brokers import properties_path
        from netlab.lab.state import load_lab

        state = load_lab(lab)
        broker_step(state, node)
        path = properties_path(lab, node)
        props = parse_properties(path.read_text()) if path.exists() else {}
        dirs = props.get("log.dirs") or props.get("log.dir") or ""
        argv = [sys.executable, "-m", "broker.consumer_groups", "--log-dirs", dirs]
        for g in group or []:
            argv += ["--group", g]
        if as_json:
            argv.append("--json")
        raise typer.Exit(subprocess.run(argv).returncode)
