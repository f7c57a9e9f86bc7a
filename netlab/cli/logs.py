"""`netlab logs <lab> <node> [-f] [--process NAME] [--json]`: the log of a process in a node."""

from __future__ import annotations

import json
import sys
import time

import typer

from netlab.cli._lab import pick_process
from netlab.cli._options import follow_option, json_option, lab_argument, node_argument, process_option
from netlab.errors import InputError

FOLLOW_POLL_S = 0.2


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
        text = path.read_text(errors="replace") if path.exists() else ""
        lines = text.splitlines()[-tail:] if tail else text.splitlines()
        if as_json:
            typer.echo(
                json.dumps({"lab": lab, "node": node, "process": step.name, "log": str(path), "lines": lines})
            )
            return
        if lines:
            sys.stdout.write("\n".join(lines) + "\n")
        if not follow:
            return
        sys.stdout.flush()
        offset = len(text.encode())
        try:
            while True:
                time.sleep(FOLLOW_POLL_S)
                if not path.exists():
                    break  # the lab went down
                with open(path, "rb") as fh:
                    fh.seek(offset)
                    new = fh.read()
                if new:
                    offset += len(new)
                    sys.stdout.write(new.decode(errors="replace"))
                    sys.stdout.flush()
        except KeyboardInterrupt:
            pass
