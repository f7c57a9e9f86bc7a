"""Shared by the Kafka verbs (check, predict, logs, restart, config): load a running lab's
topology, run commands in its nodes, print a report."""

from __future__ import annotations

import json

import typer
from rich.markup import escape

from netlab.cli._render import console, err_console


def running_topology(lab: str):
    """(LabState, Topology) of a running lab, from the copy of its file in the lab directory."""
    from netlab.lab.state import load_lab
    from netlab.topology import loads_topology

    state = load_lab(lab)
    if not state.paths.topology.exists():
        from netlab.errors import NetlabError

        raise NetlabError(
            f"lab {lab!r} has no copy of its topology in {state.paths.root}; "
            f"bring it up again with netlab up FILE"
        )
    return state, loads_topology(
        state.paths.topology.read_text(), state.plan.source or str(state.paths.topology)
    )


def broker_step(state, node: str):
    """The broker process of `node` in a running lab (InputError if it has none)."""
    from netlab.errors import InputError

    state.netns(node)  # names the nodes when there is no such node
    step = next((s for s in state.process_steps if s.node == node and s.role == "broker"), None)
    if step is None:
        brokers = [s.node for s in state.process_steps if s.role == "broker"]
        raise InputError(
            f"node {node!r} of lab {state.name!r} runs no broker; brokers: {', '.join(brokers) or 'none'}",
            where="node",
        )
    return step


def print_report(report, as_json: bool, title: str, live: bool) -> int:
    """Table (or JSON list), then mismatches with `expect:` and live/predicted disagreements.
    Returns the exit code: 1 when a row differs from its expectation."""
    from netlab.kafka.render import verdict_report

    mismatches = report.mismatches()
    disagreements = report.disagreements()
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=1))
        for line in report.notes + mismatches:
            err_console.print(f"expect: {escape(line)}", highlight=False, soft_wrap=True)
        return 1 if mismatches else 0
    console.print(verdict_report(report.verdicts, title, report.expected), highlight=False)
    ok = sum(v.ok for v in report.verdicts)
    console.print(f"\n{ok} of {len(report.verdicts)} work.", highlight=False)
    for line in report.notes:
        console.print(f"[yellow]note:[/] {escape(line)}", highlight=False)
    if mismatches:
        console.print(
            f"[bold red]{len(mismatches)} result(s) differ from the topology's expect:[/]", highlight=False
        )
        for line in mismatches:
            console.print(f"  - {escape(line)}", highlight=False, soft_wrap=True)
    elif any(e is not None for e in report.expected):
        console.print("[green]every result is as the topology expects.[/]", highlight=False)
    if live:
        if disagreements:
            console.print(
                f"[bold yellow]prediction and live result disagree on {len(disagreements)} row(s) "
                f"(netlab's model of this lab is wrong there):[/]",
                highlight=False,
            )
            for line in disagreements:
                console.print(f"  - {escape(line)}", highlight=False, soft_wrap=True)
        else:
            console.print(
                "[dim]prediction (netlab predict) and live result agree on every row.[/]", highlight=False
            )
    return 1 if mismatches else 0
