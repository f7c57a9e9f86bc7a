"""`netlab check <lab> [--json]`: every client and broker-to-broker link of a running lab, live."""

from __future__ import annotations

import typer

from netlab.cli._kafka import print_report, running_topology


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        lab: str = typer.Argument(None, help="a running lab; with --docker: the compose project"),
        docker: bool = typer.Option(
            False,
            "--docker",
            help="check a compose project running on a Docker engine (DOCKER_HOST), as it is",
        ),
        client: str = typer.Option(
            "kcat", "--client", help="with --docker: the client of the generated rows"
        ),
        as_json: bool = typer.Option(
            False, "--json", help="one object per row: from, to, ok, stage, reason, client_error, ..."
        ),
        timeout: float = typer.Option(
            4.0, "--timeout", min=0.5, max=120, help="seconds each client gets (half produce, half consume)"
        ),
    ) -> None:
        """Run each declared client and broker-to-broker link inside its node: ✓/✗, cause, setting to change.

        Exit 1 when a result differs from the topology's `expect:` (with --docker: when a row fails)."""
        from netlab.kafka.lab_check import broker_logs, live_report
        from netlab.lab import require_root

        require_root()
        if docker:
            from netlab.docker.cli import check_docker

            report = check_docker(lab, client=client, timeout=timeout)
            code = print_report(report, as_json, f"netlab check --docker {lab or ''}".rstrip(), live=True)
            raise typer.Exit(code or int(not all(v.ok for v in report.verdicts)))
        if not lab:
            from netlab.errors import InputError

            raise InputError("name a running lab (or --docker [PROJECT])", where="lab")
        state, topology = running_topology(lab)
        from netlab.docker.lab import docker_lab_report, is_docker_lab

        if is_docker_lab(lab):  # built with --engine docker: the rows run in its containers
            report = docker_lab_report(lab, topology, timeout=timeout)
        else:
            prefixes = {node: ["ip", "netns", "exec", netns] for node, netns in state.nodes.items()}
            report = live_report(lab, topology, prefixes, broker_logs(lab, topology), timeout=timeout)
        raise typer.Exit(print_report(report, as_json, f"netlab check {lab}", live=True))
