"""`netlab logs <lab> <node> [-f] [--process NAME] [--json]`: the log of a process in a node."""

from __future__ import annotations

import json
import sys

import typer

from netlab.cli._lab import pick_process
from netlab.cli._options import follow_option, json_option, lab_argument, node_argument, process_option
from netlab.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command()
    def logs(
        lab: str = lab_argument(),
        node: str = node_argument(),
        follow: bool = follow_option(),
        process: str | None = process_option(),
        tail: int = typer.Option(0, "--tail", min=0, help="only the last N lines (0: all)"),
        as_json: bool = json_option(),
    ) -> None:
        """Print a process's log (a broker's log is Kafka's own text)."""
        from netlab.docker.lab import container_log, is_docker_lab
        from netlab.lab.logfile import MAX_TAIL_BYTES, read_tail
        from netlab.lab.logfile import follow as follow_log
        from netlab.lab.state import load_lab

        state = load_lab(lab)
        if is_docker_lab(lab) and node not in state.nodes:  # a container of a lab on Docker
            if follow:
                raise InputError("--follow is for lab nodes; on Docker use: docker logs -f", where="--follow")
            text = container_log(lab, node, tail or None)
            if as_json:
                typer.echo(json.dumps({"lab": lab, "node": node, "lines": text.splitlines()}))
            elif text:
                sys.stdout.write(text if text.endswith("\n") else text + "\n")
            return
        step = pick_process(state, node, process)
        path = state.paths.process(step.node, step.name).logfile
        shown = read_tail(path, tail)  # bounded, however long the log grew
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "lab": lab,
                        "node": node,
                        "process": step.name,
                        "log": str(path),
                        "lines": shown.lines,
                        "skipped_bytes": shown.skipped,
                    }
                )
            )
            return
        if shown.skipped and not tail:
            typer.echo(
                f"(the first {shown.skipped} bytes of {path} are not shown: at most its last "
                f"{MAX_TAIL_BYTES >> 20} MiB; --tail N shows the last N lines)",
                err=True,
            )
        if shown.lines:
            sys.stdout.write("\n".join(shown.lines) + "\n")
        if not follow:
            return
        sys.stdout.flush()

        def write(text: str) -> None:
            sys.stdout.write(text)
            sys.stdout.flush()

        try:
            follow_log(path, shown.end, write)
        except KeyboardInterrupt:
            pass
