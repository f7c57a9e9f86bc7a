"""`netlab predict [FILE] [--json]`: the verdicts of `netlab check`, from the topology alone
(default: the default lab)."""

from __future__ import annotations

from pathlib import Path

import typer

from netlab.cli._kafka import print_report
from netlab.cli._options import json_option, topology_argument, topology_file


def register(app: typer.Typer) -> None:
    @app.command()
    def predict(
        file: Path | None = topology_argument(),
        as_json: bool = json_option("one object per row, as `netlab check --json`"),
    ) -> None:
        """The verdicts of `netlab check` from the topology alone (no root, no kernel).

        Kafka's validation and binding rules, Docker's name and publishing rules and the lab's
        routes. Exit 1 when a prediction contradicts `expect:`."""
        from netlab.kafka.lab_report import predicted_report
        from netlab.topology import load_topology

        path = topology_file(file)
        report = predicted_report(load_topology(path))
        raise typer.Exit(print_report(report, as_json, f"netlab predict {path}", live=False))
