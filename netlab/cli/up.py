"""`netlab up [FILE] [--dry-run] [--json]`: build a lab from a topology file (default lab if none)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.markup import escape

from netlab.cli._render import console, err_console

PROGRESS_FROM_NODES = 20  # show a progress bar for labs with at least this many nodes


def register(app: typer.Typer) -> None:
    @app.command()
    def up(
        file: Path | None = typer.Argument(
            None, help="topology file (default: the default lab, topologies/default.yaml)"
        ),
        dry_run: bool = typer.Option(False, "--dry-run", help="print the plan, create nothing"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    ) -> None:
        """Build a lab: namespaces, bridges, links, addresses, routes, hosts files, processes."""
        from netlab.lab.apply import apply, check_can_apply, require_root
        from netlab.lab.planfile import plan_to_dict
        from netlab.plan import compile_plan, format_plan
        from netlab.resources import Namespace
        from netlab.topology import DEFAULT_TOPOLOGY, load_topology

        if not dry_run:
            require_root()
        plan = compile_plan(load_topology(file or DEFAULT_TOPOLOGY))
        if dry_run:
            typer.echo(
                json.dumps(plan_to_dict(plan), indent=1, default=str) if as_json else format_plan(plan)
            )
            return
        check_can_apply(plan)
        nodes = len(plan.of_kind(Namespace))
        started = time.perf_counter()
        if nodes >= PROGRESS_FROM_NODES and not as_json:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(
                TextColumn("[bold]up {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            ) as bar:
                task = bar.add_task(plan.lab, total=len(plan.steps))
                paths = apply(plan, progress=lambda _s, done, _t: bar.update(task, completed=done))
        else:
            paths = apply(plan)
        elapsed = time.perf_counter() - started
        procs = [f"{s.node}/{s.name}" for s in plan.steps if s.kind == "process"]
        # a broker that does not start is a result (shown with Kafka's message), not a failure of `up`
        from netlab.lab.brokers import wait_started

        brokers = (
            wait_started(plan.lab) if any(getattr(s, "role", "") == "broker" for s in plan.steps) else []
        )
        broker_seconds = max((b.seconds for b in brokers), default=0.0)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "lab": plan.lab,
                        "nodes": nodes,
                        "steps": len(plan.steps),
                        "seconds": round(elapsed, 4),
                        "broker_start_seconds": round(broker_seconds, 4),
                        "state_dir": str(paths.root),
                        "processes": procs,
                        "brokers": [b.to_dict() for b in brokers],
                    }
                )
            )
            return
        console.print(
            f"[bold green]lab {plan.lab} is up[/]: {nodes} nodes, {len(plan.steps)} steps in {elapsed:.2f} s"
            + (f"; processes: {', '.join(procs)}" if procs else ""),
            highlight=False,
        )
        for b in brokers:
            if b.state == "started":
                console.print(
                    f"  [green]✓[/] broker in {b.node} started ({b.seconds:.2f} s)", highlight=False
                )
            elif b.state == "unregistered":
                console.print(
                    f"  [yellow]![/] broker in {b.node} runs but is not registered with its controller: "
                    f"{escape(b.error or '')}",
                    highlight=False,
                    soft_wrap=True,
                )
            else:
                console.print(
                    f"  [bold red]✗[/] broker in {b.node} did not start: {escape(b.error or b.state)}",
                    highlight=False,
                    soft_wrap=True,
                )
        if brokers:
            console.print(
                f"  next: netlab check {plan.lab} · netlab logs {plan.lab} <node> · "
                f"netlab config {plan.lab} <node>",
                highlight=False,
            )
        console.print(
            f"  netlab status {plan.lab} · netlab exec {plan.lab} <node> -- <command> · "
            f"sudo netlab down {plan.lab}",
            highlight=False,
        )
