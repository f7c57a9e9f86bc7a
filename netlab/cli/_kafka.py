"""Shared by the Kafka verbs (check, predict, logs, restart, config): load a running lab's
topology, run commands in its nodes, print a report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import typer
from rich.markup import escape

from netlab.cli._render import console, err_console


def running_topology(lab: str):
    """(LabState, Resolved topology) of a running lab, from the copy of its file in the lab directory."""
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


@dataclass
class LiveRun:
    """A live check of a running lab, with what the report page needs besides the rows."""

    report: Any  # lab_report.Report
    topology: Any  # the Topology model (the report page draws it)
    pcaps: list = field(default_factory=list)  # capture.rows.RowPcap, with --capture
    world: Any = None  # the lab's World with the brokers' current properties (arrows end there)


def live_check(lab: str, timeout: float, capture_dir=None) -> LiveRun:
    """Run `netlab check` of a running lab. With `capture_dir` the rows run one at a time, each
    captured into its own pcap there (netlab/capture/rows.py)."""
    from netlab.kafka.lab_report import broker_logs, live_props, live_report, world_of
    from netlab.lab.apply import require_root

    require_root()
    state, resolved = running_topology(lab)
    topology = resolved.topology
    from netlab.docker.lab import docker_lab_report, is_docker_lab

    if is_docker_lab(lab):  # built with --engine docker: the rows run in its containers
        if capture_dir is not None:
            from netlab.errors import InputError

            raise InputError(
                "--capture runs in lab nodes; a lab on Docker: netlab capture LAB NODE", where="--capture"
            )
        from netlab.kafka.lab_report import topology_props

        report = docker_lab_report(lab, topology, timeout=timeout)
        return LiveRun(report, topology, [], world_of(resolved, topology_props(topology)))
    from netlab.kernel.privileges import drop_argv, policy
    from netlab.lab.containers import reconcile

    reconcile(lab)  # a broker that ended since: its container stopped, names and ports withdrawn
    drop = drop_argv(policy("client"))  # the clients run unprivileged (docs/security.md)
    prefixes = {node: ["ip", "netns", "exec", netns, *drop] for node, netns in state.nodes.items()}
    logs = broker_logs(lab, resolved)
    world = world_of(resolved, live_props(lab, topology))
    if capture_dir is None:
        return LiveRun(live_report(lab, resolved, prefixes, logs, timeout=timeout), topology, [], world)
    from netlab.capture.labinfo import lab_info
    from netlab.capture.rows import RowCaptures

    runner = RowCaptures(dict(state.nodes), capture_dir, lab_info(lab))
    report = live_report(lab, resolved, prefixes, logs, timeout=timeout, runner=runner)
    return LiveRun(report, topology, runner.pcaps, world)


def check_html_target(path, where: str = "--html") -> None:
    """Refuse a page that could not be written before a check runs (its directory must exist)."""
    import os

    from netlab.errors import InputError

    parent = path.resolve().parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise InputError(f"cannot write {path}: {parent} is not a writable directory", where=where)


def write_html(path, report, topology, *, live: bool, pcaps=(), world=None) -> None:
    """The report page (netlab/report/) of a check or prediction, pcaps linked relative to it."""
    import os

    from netlab.errors import InputError
    from netlab.report import RowCapture, render_lab_report

    captures: list = [None] * len(report.verdicts)
    for p in pcaps:
        href = os.path.relpath(p.path, path.resolve().parent) if p.path else None
        captures[p.row - 1] = RowCapture(href, p.story, p.note)
    page = render_lab_report(report, topology, live=live, captures=captures, world=world)
    try:
        path.write_text(page)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}", where="--html") from None
    err_console.print(f"[dim]report page: {escape(str(path))} ({len(page) // 1024} kB)[/]", highlight=False)
