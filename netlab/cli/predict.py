"""`netlab predict [FILE] [--json] [--html PAGE]`: the verdicts of `netlab check`, from the
topology alone (default: the default lab)."""

from __future__ import annotations

from pathlib import Path

import typer

from netlab.cli._kafka import print_report, write_html
from netlab.cli._options import json_option, topology_argument, topology_file


def register(app: typer.Typer) -> None:
    @app.command()
    def predict(
        file: Path | None = topology_argument(),
        as_json: bool = json_option("one object per row, as `netlab check --json`"),
        html: Path | None = typer.Option(None, "--html", help="also write the report page (netlab report)"),
    ) -> None:
        """The verdicts of `netlab check` from the topology alone (no root, no kernel).

        Kafka's validation and binding rules, Docker's name and publishing rules and the lab's routes.
        Exit 1 when a prediction contradicts `expect:`."""
        from netlab.kafka.lab_report import predicted_report
        from netlab.topology import load_topology

        path = topology_file(file)
        resolved = load_topology(path)
        report = predicted_report(resolved)
        if html is not None:
            write_html(html, report, resolved.topology, live=False)
        raise typer.Exit(print_report(report, as_json, f"netlab predict {path}", live=False))
