"""`netlab predict <file> [--json]`: the verdicts of `netlab check`, from the topology alone."""

from __future__ import annotations

from pathlib import Path

import typer

from netlab.cli._kafka import print_report


def register(app: typer.Typer) -> None:
    @app.command()
    def predict(
        file: Path = typer.Argument(..., help="a topology file"),
        as_json: bool = typer.Option(False, "--json", help="one object per row, as `netlab check --json`"),
    ) -> None:
        """The verdicts of `netlab check` from the topology alone (no root, no kernel).

        Kafka's validation and binding rules, Docker's name and publishing rules and the lab's routes. Exit 1 when a prediction contradicts `expect:`."""
        from netlab.kafka.lab_check import predicted_report
        from netlab.topology import load_topology

        report = predicted_report(load_topology(file))
        raise typer.Exit(print_report(report, as_json, f"netlab predict {file}", live=False))
