"""`netlab check <lab> [--json]`: every client and broker-to-broker link of a running lab, live."""

from __future__ import annotations

from pathlib import Path

import typer

from netlab.cli._kafka import check_html_target, live_check, print_report, write_html
from netlab.cli._options import json_option
from netlab.errors import InputError


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
        as_json: bool = json_option("one object per row: from, to, ok, stage, reason, client_error, ..."),
        timeout: float = typer.Option(
            4.0, "--timeout", min=0.5, max=120, help="seconds each client gets (half produce, half consume)"
        ),
        html: Path | None = typer.Option(None, "--html", help="also write the report page (netlab report)"),
        capture: bool = typer.Option(
            False, "--capture", help="one pcap per row (rows then run one at a time), linked from --html"
        ),
    ) -> None:
        """Run each declared client and broker-to-broker link inside its node: ✓/✗, cause, setting to change.

        Exit 1 when a result differs from the topology's `expect:` (with --docker: when a row fails)."""
        if html is not None:
            check_html_target(html)
        if docker:
            from netlab.docker.cli import check_docker
            from netlab.lab.apply import require_root

            require_root()
            if capture:
                raise InputError(
                    "--capture is for labs; with --docker use netlab capture --docker", where="--capture"
                )
            report, topology = check_docker(lab, client=client, timeout=timeout)
            if html is not None:
                write_html(html, report, topology, live=True)
            code = print_report(report, as_json, f"netlab check --docker {lab or ''}".rstrip(), live=True)
            raise typer.Exit(code or int(not all(v.ok for v in report.verdicts)))
        if not lab:
            raise InputError("name a running lab (or --docker [PROJECT])", where="lab")
        pcap_dir = None
        if capture:  # next to the page, or here
            pcap_dir = html.with_name(html.stem + ".pcaps") if html else Path(f"{lab}-check.pcaps")
        run = live_check(lab, timeout, pcap_dir)
        if html is not None:
            write_html(html, run.report, run.topology, live=True, pcaps=run.pcaps, world=run.world)
        if pcap_dir is not None:
            typer.echo(f"{len(run.pcaps)} pcaps (one per row) in {pcap_dir}/", err=True)
        raise typer.Exit(print_report(run.report, as_json, f"netlab check {lab}", live=True))
