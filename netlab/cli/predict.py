"""`netlab predict <file> [--json]`: the verdicts of `netlab check`, from the topology alone.
A compose file (top-level `services:`) is read as Docker Compose would run it (docs/compose.md)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from netlab.cli._kafka import print_report, write_html


def register(app: typer.Typer) -> None:
    @app.command()
    def predict(
        file: Path = typer.Argument(..., help="a topology file or a docker-compose.yml"),
        as_json: bool = typer.Option(False, "--json", help="one object per row, as `netlab check --json`"),
        html: Path | None = typer.Option(None, "--html", help="also write the report page (netlab report)"),
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
    ) -> None:
        """The verdicts of `netlab check` from the topology alone (no root, no kernel).

        Kafka's validation and binding rules, Docker's name and publishing rules and the lab's routes.
        Exit 1 when a prediction contradicts `expect:`. A docker-compose.yml is read as Docker runs it."""
        from netlab.cli import _compose
        from netlab.kafka.lab_check import predicted_report
        from netlab.topology import load_topology

        if not _compose.is_compose(file):
            topology = load_topology(file)
            report = predicted_report(topology)
            if html is not None:
                write_html(html, report, topology, live=False)
            raise typer.Exit(print_report(report, as_json, f"netlab predict {file}", live=False))
        from netlab.compose import compose_lab
        from netlab.compose.fixes import fixes_for

        options = _compose.compose_options(project, env_file, desktop, client, probe, lan_ip)
        lab = compose_lab(file, options)
        report = predicted_report(lab.topology)
        fixes = fixes_for(file, options, lab, report)
        if html is not None:
            write_html(html, report, lab.topology, live=False)
        if as_json:
            rows = _compose.relabel_json(report.to_json(), lab, report.kinds)
            for row, fix in zip(rows, fixes.per_row, strict=True):
                row["fix"] = fix
            typer.echo(json.dumps(rows, indent=1))
            raise typer.Exit(0)
        _compose.print_header(lab)
        code = print_report(report, False, f"netlab predict {file}", live=False)
        _compose.print_fixes(fixes.lines)
        raise typer.Exit(code)
