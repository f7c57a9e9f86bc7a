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
            None,
            help="topology file or docker-compose.yml (default: the default lab, topologies/default.yaml)",
        ),
        dry_run: bool = typer.Option(False, "--dry-run", help="print the plan, create nothing"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
        unprivileged: bool = typer.Option(
            False,
            "--unprivileged",
            help="run the topology's `processes:` as user netlab with no capabilities "
            "(netlab's own processes always are; docs/security.md)",
        ),
        project: str | None = typer.Option(None, "--project", "-p", help="compose: project name"),
        env_file: Path | None = typer.Option(None, "--env-file", help="compose: instead of .env"),
        desktop: str | None = typer.Option(
            None, "--desktop", help="compose: mac or windows (Docker Desktop)"
        ),
        client: str = typer.Option(
            "kcat", "--client", help="compose: kcat, confluent-kafka, kafka-python, aiokafka"
        ),
        probe: list[str] | None = typer.Option(None, "--probe", help="compose: FROM=HOST:PORT (repeatable)"),
        lan_ip: str | None = typer.Option(None, "--lan-ip", help="compose: the host's LAN address (or off)"),
        engine: str = typer.Option(
            "namespace",
            "--engine",
            help="namespace (netlab's own model) or docker (the same lab on a real dockerd netlab starts)",
        ),
    ) -> None:
        """Build a lab: namespaces, bridges, links, addresses, routes, hosts files, processes.

        A docker-compose.yml (top-level `services:`) is built as Docker would run it, its brokers
        started, and the verdicts printed (docs/compose.md)."""
        from netlab.cli import _compose

        if _compose.is_compose(file):
            if engine != "namespace":
                from netlab.errors import InputError

                raise InputError(
                    "a compose file is built with the namespace engine only (for now)", where="--engine"
                )
            options = _compose.compose_options(project, env_file, desktop, client, probe, lan_ip)
            raise typer.Exit(_compose.up_compose(file, options, dry_run=dry_run, as_json=as_json))
        from netlab.lab import apply, check_can_apply, require_root
        from netlab.lab.planfile import plan_to_dict
        from netlab.plan import compile_plan, format_plan
        from netlab.resources import Namespace
        from netlab.topology import DEFAULT_TOPOLOGY, load_topology

        if engine not in ("namespace", "docker"):
            from netlab.errors import InputError

            raise InputError(f"{engine!r} is not an engine: use namespace or docker", where="--engine")
        if not dry_run:
            require_root()
        if engine == "docker" and not dry_run:
            from netlab.docker.lab import up_docker

            started = time.perf_counter()
            made = up_docker(file or DEFAULT_TOPOLOGY)
            if as_json:
                typer.echo(
                    json.dumps(
                        {
                            **made.to_dict(),
                            "lab": made.lab,
                            "seconds": round(time.perf_counter() - started, 4),
                        }
                    )
                )
                return
            console.print(
                f"[bold green]lab {made.lab} is up on Docker[/] ({time.perf_counter() - started:.2f} s): "
                f"dockerd in node {made.host}, socket {made.socket}",
                highlight=False,
            )
            console.print(
                f"  next: netlab check {made.lab} · DOCKER_HOST=unix://{made.socket} docker ps · "
                f"sudo netlab down {made.lab}",
                highlight=False,
            )
            return
        plan = compile_plan(load_topology(file or DEFAULT_TOPOLOGY))
        if unprivileged:
            from netlab.lab.launch import unprivileged_user_processes

            plan = unprivileged_user_processes(plan)
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
        from netlab.kernel.privileges import RUN_USER, code_readable

        if not code_readable():
            err_console.print(
                f"[yellow]warning[/]: netlab's code is not readable by user {RUN_USER} (installed under a "
                "private directory?): the lab's processes run as uid 0 without capabilities instead "
                "(docs/security.md)",
                highlight=False,
            )
        procs = [f"{s.node}/{s.name}" for s in plan.steps if s.kind == "process"]
        # a broker that does not start is a result (shown with Kafka's message), not a failure of `up`
        from netlab.brokers import wait_started

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
