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
        console.print(f"[dim]ignored (not modelled): {escape(', '.join(p.ignored))}[/]", highlight=False, soft_wrap=True)
    for w in p.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    for n in lab.notes:
        console.print(f"[yellow]note:[/] {escape(n)}", highlight=False, soft_wrap=True)


def relabel_json(rows: list[dict], lab, kinds: list[str]) -> list[dict]:
    """`--json` rows of a compose lab: `from` as written in the probe (or the service name)."""
    labels = iter(lab.labels)
    for row, kind in zip(rows, kinds):
        if kind == "client":
            row["node"] = row["from"]
            row["from"] = next(labels, row["from"])
    return rows


def print_fixes(fixes: list[str]) -> None:
    if not fixes:
        return
    console.print("[bold]fixes (each checked by predicting again with the change applied):[/]", highlight=False)
    for line in fixes:
        console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
