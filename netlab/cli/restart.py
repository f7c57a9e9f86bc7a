"""`netlab restart <lab> <node> [--process NAME]`: stop and start a process (default: the broker)."""

from __future__ import annotations

import json

import typer
from rich.markup import escape

from netlab.cli._render import console


def print_restart(result: dict) -> int:
    b = result.get("broker")
    if b is None:
        console.print(
            f"restarted {result['node']}/{result['process']} (pid {result['pid']})", highlight=False
        )
        return 0
    if b["state"] == "started":
        console.print(
            f"[green]✓[/] broker in {result['node']} restarted ({b['seconds']:.2f} s)", highlight=False
        )
        return 0
    console.print(
        f"[bold red]✗[/] broker in {result['node']} did not start: {escape(b['error'] or b['state'])}",
        highlight=False,
        soft_wrap=True,
    )
    return 0  # a broker that does not start is a result, shown with Kafka's message


def register(app: typer.Typer) -> None:
    @app.command()
    def restart(
        lab: str = typer.Argument(..., help="a running lab"),
        node: str = typer.Argument(..., help="the node"),
        process: str | None = typer.Option(
            None, "--process", help="which process (default: the node's broker)"
        ),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    ) -> None:
        """Restart a node's broker (or another of its processes); shows whether the broker started."""
        from netlab.cli.logs import pick_process
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
