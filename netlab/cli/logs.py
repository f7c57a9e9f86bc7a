"""`netlab logs <lab> <node> [-f] [--process NAME] [--json]`: the log of a process in a node."""

from __future__ import annotations

import json
import sys
import time

import typer

from netlab.errors import InputError

FOLLOW_POLL_S = 0.2


def pick_process(state, node: str, name: str | None):
    """The named process of `node`; without a name its broker, else its only process."""
    state.netns(node)
    steps = [s for s in state.process_steps if s.node == node]
    if name is not None:
        found = next((s for s in steps if s.name == name), None)
        if found is None:
            raise InputError(
                f"node {node!r} has no process {name!r}; its processes: "
                f"{', '.join(s.name for s in steps) or 'none'}",
                where="--process",
            )
        return found
    broker = next((s for s in steps if s.role == "broker"), None)
    if broker is not None:
        return broker
    if len(steps) == 1:
        return steps[0]
    raise InputError(
        f"node {node!r} runs {len(steps)} processes"
        + (f" ({', '.join(s.name for s in steps)}); name one with --process" if steps else ""),
        where="netlab logs",
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def logs(
        lab: str = typer.Argument(..., help="a running lab"),
        node: str = typer.Argument(..., help="the node"),
        follow: bool = typer.Option(False, "-f", "--follow", help="keep printing new lines (Ctrl-C to stop)"),
        process: str | None = typer.Option(
            None, "--process", help="which process (default: the node's broker)"
        ),
        tail: int = typer.Option(0, "--tail", min=0, help="only the last N lines (0: all)"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    ) -> None:
        """Print a process's log (a broker's log is Kafka's own text)."""
        from netlab.lab.state import load_lab

        state = load_lab(lab)
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
