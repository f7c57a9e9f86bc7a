"""`netlab down <lab>` / `netlab down --all`: remove a lab from its journal alone."""

from __future__ import annotations

import json

import typer

from netlab.cli._options import json_option
from netlab.cli._render import console, err_console
from netlab.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command()
    def down(
        lab: str | None = typer.Argument(None, help="the lab to remove"),
        all_labs: bool = typer.Option(False, "--all", help="remove every lab that is up"),
        as_json: bool = json_option(),
    ) -> None:
        """Stop a lab's processes and delete its namespaces and files (idempotent)."""
        from netlab.lab.apply import require_root
        from netlab.lab.destroy import destroy
        from netlab.lab.paths import lab_paths
        from netlab.lab.state import list_labs

        if bool(lab) == all_labs:
            raise InputError("name one lab or pass --all (not both)", where="netlab down")
        require_root()
        from netlab.docker.lab import forget_engine, is_docker_lab

        names = list_labs() if all_labs or lab is None else [lab_paths(lab).lab]
        on_docker = {name for name in names if is_docker_lab(name)}
        results = [destroy(name) for name in names]
        for name in on_docker:  # the engine ended with the lab; what it left in the cgroup trees goes too
            forget_engine(name)
        if as_json:
            typer.echo(json.dumps([r.to_dict() for r in results]))
            return
        if not results:
            err_console.print("no lab is up; nothing to remove")
        for r in results:
            if not r.existed:
                err_console.print(f"lab {r.lab} is not up; nothing to remove", highlight=False)
                continue
            extra = f", {len(r.processes_killed)} needed SIGKILL" if r.processes_killed else ""
            console.print(
                f"[bold]lab {r.lab} removed[/]: {len(r.namespaces)} namespaces, "
                f"{r.processes_stopped} processes stopped{extra}",
                highlight=False,
            )
