"""Shared by the verbs that work on one process of a running lab (logs, restart, config): pick
the process, show the result of a restart. (Verbs never import each other; they share this.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from netlab.cli._render import console
from netlab.errors import InputError

if TYPE_CHECKING:  # the CLI imports every verb at start: the lab engine loads when a verb runs
    from netlab.lab.state import LabState
    from netlab.resources import Process


def pick_process(state: LabState, node: str, name: str | None) -> Process:
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


def print_restart(result: dict) -> int:
    b = result.get("broker")
    if b is None:
        console.print(
            f"restarted {result['node']}/{result['process']} (pid {result['pid']})", highlight=False
        )
        return 0
    if b["state"] == "started":
        console.print(
            f"[green]✓[/] broker in {result['node']} restarted ({b['seconds']:.2f} s)", highlight=False
        )
        return 0
    console.print(
        f"[bold red]✗[/] broker in {result['node']} did not start: {escape(b['error'] or b['state'])}",
        highlight=False,
        soft_wrap=True,
    )
    return 0  # a broker that does not start is a result, shown with Kafka's message
