"""`netlab restart <lab> <node> [--process NAME]`: stop and start a process (default: the broker)."""

from __future__ import annotations

import json

import typer

from netlab.cli._lab import pick_process, print_restart
from netlab.cli._options import json_option, lab_argument, node_argument, process_option


def register(app: typer.Typer) -> None:
    @app.command()
    def restart(
        lab: str = lab_argument(),
        node: str = node_argument(),
        process: str | None = process_option(),
        as_json: bool = json_option(),
    ) -> None:
        """Restart a node's broker (or another of its processes); shows whether the broker started."""
        from netlab.lab.apply import require_root
        from netlab.lab.brokers import restart_step
        from netlab.lab.state import load_lab

        require_root()
        step = pick_process(load_lab(lab), node, process)
        result = restart_step(lab, step)
        if as_json:
            typer.echo(json.dumps(result))
            return
        raise typer.Exit(print_restart(result))
