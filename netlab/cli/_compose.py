"""Shared by `netlab up` and `netlab predict` for a compose file (detected by content: a
top-level `services:`): the extra options, the translation, the header lines and the fixes."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from netlab.cli._render import console

CLIENT_CHOICES = ("kcat", "confluent-kafka", "kafka-python", "aiokafka")


def compose_options(
    project: str | None,
    env_file: Path | None,
    desktop: str | None,
    client: str,
    probe: list[str] | None,
    lan_ip: str | None,
):
    from netlab.compose import ComposeOptions, parse_lan_ip
    from netlab.errors import InputError

    if client not in CLIENT_CHOICES:
        raise InputError(f"{client!r}: use one of {', '.join(CLIENT_CHOICES)}", where="--client")
    if desktop not in (None, "mac", "windows"):
        raise InputError(f"{desktop!r}: use mac or windows", where="--desktop")
    return ComposeOptions(
        project, str(env_file) if env_file else None, client, list(probe or []), parse_lan_ip(lan_ip), desktop
    )


def is_compose(file: Path | None) -> bool:
    from netlab.compose import is_compose_file

    return file is not None and is_compose_file(file)


def print_header(lab) -> None:
    """What the compose file became: the project, its networks, ignored keys, notes."""
    p = lab.project
    nets = ", ".join(f"{n.name} {n.subnet}" for n in p.networks.values())
    console.print(
        f"[bold]compose project {escape(p.name)}[/] → lab {escape(lab.topology.lab)}: "
        f"{len(p.services)} service(s), networks: {escape(nets) or 'none'}",
        highlight=False,
        soft_wrap=True,
    )
    if p.ignored:
        console.print(
            f"[dim]ignored (not modelled): {escape(', '.join(p.ignored))}[/]", highlight=False, soft_wrap=True
        )
    for s in p.services.values():
        for port in s.ports:
            if port.auto:
                console.print(
                    f"{escape(s.name)}: container port {port.target}/{port.protocol} is published on host "
                    f"port {port.published} (Docker's allocator)",
                    highlight=False,
                )
    for w in p.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    for n in lab.notes:
        console.print(f"[yellow]note:[/] {escape(n)}", highlight=False, soft_wrap=True)


def relabel_json(rows: list[dict], lab, kinds: list[str]) -> list[dict]:
    """`--json` rows of a compose lab: `from` as written in the probe (or the service name)."""
    labels = iter(lab.labels)
    for row, kind in zip(rows, kinds, strict=True):
        if kind == "client":
            row["node"] = row["from"]
            row["from"] = next(labels, row["from"])
    return rows


def print_fixes(fixes: list[str]) -> None:
    if not fixes:
        return
    console.print(
        "[bold]fixes (each checked by predicting again with the change applied):[/]", highlight=False
    )
    for line in fixes:
        console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)


def up_compose(file: Path, options, *, dry_run: bool, as_json: bool) -> int:
    """Build the compose lab, start its brokers, run every row live; 1 if a row differs from
    the prediction or a broker does not start as predicted."""
    import json
    import time

    from netlab.brokers import wait_started
    from netlab.cli._kafka import print_report
    from netlab.compose import compose_lab
    from netlab.compose.topology_out import to_yaml
    from netlab.kafka.lab_check import broker_logs, live_report
    from netlab.lab import apply, check_can_apply, require_root
    from netlab.plan import compile_plan, format_plan
    from netlab.topology import netns_name

    lab = compose_lab(file, options)
    plan = compile_plan(lab.topology)
    if dry_run:
        print_header(lab)
        typer.echo(format_plan(plan))
        return 0
    require_root()
    check_can_apply(plan)
    text = to_yaml(lab.translation, [f"netlab topology of compose file {file}"])
    t0 = time.perf_counter()
    paths = apply(plan, topology_text=text)
    t1 = time.perf_counter()
    brokers = wait_started(plan.lab) if any(getattr(s, "role", "") == "broker" for s in plan.steps) else []
    t2 = time.perf_counter()
    prefixes = {node: ["ip", "netns", "exec", netns_name(plan.lab, node)] for node in lab.topology.nodes}
    report = live_report(plan.lab, lab.topology, prefixes, broker_logs(plan.lab, lab.topology))
    t3 = time.perf_counter()
    split = {"build": round(t1 - t0, 3), "brokers": round(t2 - t1, 3), "verdicts": round(t3 - t2, 3)}
    if as_json:
        rows = relabel_json(report.to_json(), lab, report.kinds)
        typer.echo(
            json.dumps(
                {
                    "lab": plan.lab,
                    "state_dir": str(paths.root),
                    "seconds": split,
                    "brokers": [b.to_dict() for b in brokers],
                    "rows": rows,
                    "disagreements": report.disagreements(),
                    "notes": lab.notes,
                },
                indent=1,
            )
        )
        return 1 if report.disagreements() else 0
    print_header(lab)
    console.print(
        f"[bold green]lab {plan.lab} is up[/]: {len(lab.topology.nodes)} nodes in {split['build']:.2f} s, "
        f"brokers {split['brokers']:.2f} s, verdicts {split['verdicts']:.2f} s",
        highlight=False,
    )
    code = print_report(report, False, f"netlab up {file}", live=True)
    from netlab.compose.fixes import fixes_for
    from netlab.kafka.lab_check import predicted_report

    print_fixes(fixes_for(file, options, lab, predicted_report(lab.topology)).lines)
    console.print(
        f"  netlab check {plan.lab} · netlab logs {plan.lab} <node> · sudo netlab down {plan.lab}",
        highlight=False,
    )
    return 1 if (code or report.disagreements()) else 0
