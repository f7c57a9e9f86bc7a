"""The `netlab import` command group, shared by the verb modules that add an import source
(`import compose` in importer.py, `import docker` in imports.py): made once, attached once."""

from __future__ import annotations

import typer

_GROUPS: dict[int, typer.Typer] = {}


def import_group(app: typer.Typer) -> typer.Typer:
    group = _GROUPS.get(id(app))
    if group is None:
        group = typer.Typer(
            help="Turn a setup described or running elsewhere into a netlab topology.", no_args_is_help=True
        )
        app.add_typer(group, name="import")
        _GROUPS[id(app)] = group
    return group
