"""`netlab report <lab> [-o report.html]`: the lab drawn with its verdicts, one HTML file."""

from __future__ import annotations

from pathlib import Path

import typer

from netlab.cli._kafka import check_html_target, live_check, write_html


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        lab: str = typer.Argument(..., help="a running lab (live check), or a topology FILE (predicted)"),
        output: Path = typer.Option(Path("report.html"), "--output", "-o", help="the page to write"),
        timeout: float = typer.Option(
            4.0, "--timeout", min=0.5, max=120, help="seconds each client gets (live check)"
        ),
        capture: bool = typer.Option(
            False, "--capture", help="one pcap per row (rows then run one at a time), linked from the page"
        ),
    ) -> None:
        """Check a running lab (or predict a topology file) and write one self-contained HTML page:
        the lab drawn, every row an arrow (green ✓ / red ✗), click one for its cause.

        Exit 1 when a result differs from the topology's `expect:`."""
        check_html_target(output, "--output")
        if lab.endswith((".yaml", ".yml")) or Path(lab).is_file():
            from netlab.errors import InputError
            from netlab.kafka.lab_check import predicted_report
            from netlab.topology import load_topology

            if capture:
                raise InputError("--capture needs a running lab, not a file", where="--capture")
            from netlab.cli import _compose

            if _compose.is_compose(Path(lab)):  # a docker-compose.yml, as `predict` reads it
                from netlab.compose import compose_lab

                topology = compose_lab(Path(lab)).topology
            else:
                topology = load_topology(Path(lab))
            result, pcaps, live, world = predicted_report(topology), [], False, None
        else:
            pcap_dir = output.with_name(output.stem + ".pcaps") if capture else None
            run = live_check(lab, timeout, pcap_dir)
            result, topology, pcaps, live, world = run.report, run.topology, run.pcaps, True, run.world
        write_html(output, result, topology, live=live, pcaps=pcaps, world=world)
        mismatches = result.mismatches()
        ok = sum(v.ok for v in result.verdicts)
        typer.echo(
            f"{ok} of {len(result.verdicts)} work"
            + (f"; {len(mismatches)} differ from expect:" if mismatches else "")
            + (f"; {len(pcaps)} pcaps in {output.stem}.pcaps/" if pcaps else "")
        )
        raise typer.Exit(1 if mismatches else 0)
