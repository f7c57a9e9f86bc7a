"""`netlab up [FILE] [--dry-run] [--json]`: build a lab from a topology file (default lab if none).

The work is netlab.lab.up (load, resolve, plan, apply, wait for brokers); this module renders.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.markup import escape

from netlab.cli._options import json_option, topology_argument, topology_file
from netlab.cli._render import console, err_console

PROGRESS_FROM_NODES = 20  # show a progress bar for labs with at least this many nodes


def register(app: typer.Typer) -> None:
    @app.command()
    def up(
        file: Path | None = topology_argument(),
        dry_run: bool = typer.Option(False, "--dry-run", help="print the plan, create nothing"),
        as_json: bool = json_option(),
        unprivileged: bool = typer.Option(
            False,
            "--unprivileged",
            help="run the topology's `processes:` as user netlab with no capabilities "
            "(netlab's own processes always are; docs/security.md)",
        ),
        project: str | None = typer.Option(None, "--project", help="compose: project name"),
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

        if file is not None and _compose.is_compose(file):
            if engine != "namespace":
                from netlab.errors import InputError

                raise InputError(
                    "a compose file is built with the namespace engine only (for now)", where="--engine"
                )
            options = _compose.compose_options(project, env_file, desktop, client, probe, lan_ip)
            raise typer.Exit(_compose.up_compose(file, options, dry_run=dry_run, as_json=as_json))
        if engine not in ("namespace", "docker"):
            from netlab.errors import InputError

            raise InputError(f"{engine!r} is not an engine: use namespace or docker", where="--engine")
        if dry_run:
            _dry_run(topology_file(file), as_json, unprivileged)
            return
        from netlab.lab.apply import require_root

        require_root()
        if engine == "docker":
            _up_docker(topology_file(file), as_json)
            return
        from netlab.lab.up import prepare
        from netlab.lab.up import up as build
        from netlab.resources import Namespace

        plan = prepare(topology_file(file))
        if unprivileged:
            from netlab.lab.launch import unprivileged_user_processes

            plan = unprivileged_user_processes(plan)
        if len(plan.of_kind(Namespace)) >= PROGRESS_FROM_NODES and not as_json:
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
                result = build(plan, progress=lambda _s, done, _t: bar.update(task, completed=done))
        else:
            result = build(plan)
        from netlab.kernel.privileges import RUN_USER, code_readable

        if not code_readable():
            err_console.print(
                f"[yellow]warning[/]: netlab's code is not readable by user {RUN_USER} (installed under a "
                "private directory?): the lab's processes run as uid 0 without capabilities instead "
                "(docs/security.md)",
                highlight=False,
            )
        if as_json:
            typer.echo(json.dumps(result.to_dict()))
            return
        _print(result)


def _up_docker(path: Path, as_json: bool) -> None:
    """`--engine docker`: the same lab on a private dockerd (netlab/docker/lab.py)."""
    from netlab.docker.lab import up_docker

    started = time.perf_counter()
    made = up_docker(path)
    if as_json:
        typer.echo(
            json.dumps(
                {**made.to_dict(), "lab": made.lab, "seconds": round(time.perf_counter() - started, 4)}
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


def _dry_run(path: Path, as_json: bool, unprivileged: bool = False) -> None:
    from netlab.lab.planfile import plan_to_dict
    from netlab.plan import compile_plan, format_plan
    from netlab.topology import load_topology

    plan = compile_plan(load_topology(path))
    if unprivileged:
        from netlab.lab.launch import unprivileged_user_processes

        plan = unprivileged_user_processes(plan)
    typer.echo(json.dumps(plan_to_dict(plan), indent=1, default=str) if as_json else format_plan(plan))


def _print(result) -> None:
    lab, procs = result.lab, result.processes
    console.print(
        f"[bold green]lab {lab} is up[/]: {result.nodes} nodes, {len(result.plan.steps)} steps "
        f"in {result.seconds:.2f} s" + (f"; processes: {', '.join(procs)}" if procs else ""),
        highlight=False,
    )
    for b in result.brokers:
        if b.state == "started":
            console.print(f"  [green]✓[/] broker in {b.node} started ({b.seconds:.2f} s)", highlight=False)
        elif b.state in ("unregistered", "fenced"):
            console.print(
                f"  [yellow]![/] broker in {b.node} runs but its cluster does not list it: "
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
    for node in result.stopped:
        console.print(
            f"  [bold red]✗[/] container {node} exited (its broker is its main process): Docker "
            f"withdrew its names and published ports",
            highlight=False,
            soft_wrap=True,
        )
    if result.brokers:
        console.print(
            f"  next: netlab check {lab} · netlab logs {lab} <node> · netlab config {lab} <node>",
            highlight=False,
        )
    console.print(
        f"  netlab status {lab} · netlab exec {lab} <node> -- <command> · sudo netlab down {lab}",
        highlight=False,
    )
