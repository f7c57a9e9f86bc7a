"""`netlab predict <file> [--json]`: the verdicts of `netlab check`, from the topology alone."""

from __future__ import annotations

from pathlib import Path

import typer

from netlab.cli._kafka import print_report, write_html


def register(app: typer.Typer) -> None:
    @app.command()
    def predict(
        file: Path = typer.Argument(..., help="a topology file"),
        as_json: bool = typer.Option(False, "--json", help="one object per row, as `netlab check --json`"),
        html: Path | None = typer.Option(None, "--html", help="also write the report page (netlab report)"),
    ) -> None:
        """The verdicts of `netlab check` from the topology alone (no root, no kernel).

        Kafka's validation and binding rules, Docker's name and publishing rules and the lab's routes.
        Exit 1 when a prediction contradicts `expect:`."""
        from netlab.kafka.lab_check import predicted_report
        from netlab.topology import load_topology

        topology = load_topology(file)
        report = predicted_report(topology)
        if html is not None:
            write_html(html, report, topology, live=False)
        raise typer.Exit(print_report(report, as_json, f"netlab predict {file}", live=False))
