"""`netlab import docker [PROJECT] [-o lab.yaml]`: something that runs elsewhere, as a netlab topology."""

from __future__ import annotations

from pathlib import Path

import typer

from netlab.cli._import_group import import_group
from netlab.cli._render import err_console


def register(app: typer.Typer) -> None:
    group = import_group(app)  # shared with `import compose` (importer.py)

    @group.command("docker")
    def import_docker_verb(
        project: str = typer.Argument(None, help="the compose project (default: the only one running)"),
        out: Path = typer.Option(None, "--output", "-o", help="write the topology here (default: stdout)"),
        client: str = typer.Option("kcat", "--client", help="the client of the generated rows"),
    ) -> None:
        """A compose project running on a Docker engine (DOCKER_HOST), as a topology to rebuild and drill."""
        from netlab.docker.cli import import_docker

        text, notes = import_docker(project, out, client)
        if out is None:
            typer.echo(text, nl=False)
        else:
            err_console.print(f"wrote {out} ({len(notes)} note(s) at its top)", highlight=False)
