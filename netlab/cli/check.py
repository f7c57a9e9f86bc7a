"""`netlab check <lab> [--json]`: every client and broker-to-broker link of a running lab, live."""

from __future__ import annotations

import typer

from netlab.cli._kafka import print_report, running_topology
from netlab.cli._options import json_option, lab_argument


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        lab: str = lab_argument(),
        as_json: bool = json_option("one object per row: from, to, ok, stage, reason, client_error, ..."),
        timeout: float = typer.Option(
            4.0, "--timeout", min=0.5, max=120, help="seconds each client gets (half produce, half consume)"
        ),
    ) -> None:
        """Run each declared client and broker-to-broker link inside its node: ✓/✗, cause, setting to change.

        Exit 1 when a result differs from the topology's `expect:`."""
        from netlab.kafka.lab_report import broker_logs, live_report
        from netlab.lab.apply import require_root

        require_root()
        state, topology = running_topology(lab)
        prefixes = {node: ["ip", "netns", "exec", netns] for node, netns in state.nodes.items()}
        report = live_report(lab, topology, prefixes, broker_logs(lab, topology), timeout=timeout)
        raise typer.Exit(print_report(report, as_json, f"netlab check {lab}", live=True))
