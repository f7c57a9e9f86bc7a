"""Shared rendering helpers for the verbs (rich console on stderr for errors)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from netlab.errors import InputError, NetlabError

console = Console()
err_console = Console(stderr=True)


def print_error(exc: NetlabError) -> None:
    label = "invalid input" if isinstance(exc, InputError) else "error"
    err_console.print(f"[bold red]netlab: {label}:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
