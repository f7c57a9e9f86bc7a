"""`netlab schema`: the JSON Schema of the topology file format (for editors)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def schema() -> None:
        """Print the JSON Schema of topology files (e.g. for yaml-language-server)."""
        from netlab.topology.schema import topology_schema_json

        typer.echo(topology_schema_json())
