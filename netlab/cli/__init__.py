"""The `netlab` command: one module per verb in this package.

Each verb module defines ``register(app: typer.Typer) -> None``; modules are discovered, so
adding a verb never touches this file. Exit codes: 0 ok, 1 lab/check failure, 2 bad input.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from netlab.errors import NetlabError

app = typer.Typer(
    name="netlab",
    help="Container-networking lab for Kafka listeners: which listener settings work from where, and why.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Container-networking lab for Kafka listeners."""


def _register_verbs() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_verbs()


def main() -> None:
    try:
        app()
    except NetlabError as exc:
        from netlab.cli._render import print_error

        print_error(exc)
        sys.exit(exc.exit_code)
