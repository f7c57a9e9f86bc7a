"""`netlab config <lab> <node> [set key=value ...] [unset key ...]`: show or edit a broker's
server.properties in the lab directory, then restart it (Kafka's message if it no longer starts)."""

from __future__ import annotations

import json

import typer

from netlab.cli._kafka import broker_step
from netlab.cli._lab import print_restart
from netlab.cli._options import json_option, lab_argument, node_argument
from netlab.cli._render import console
from netlab.errors import InputError


def edit(props: dict[str, str], action: str, items: list[str]) -> dict[str, str]:
    """Apply `set k=v ...` / `unset k ...` (keys as properties or KAFKA_* names)."""
    from broker.properties import env_name_to_property
    from netlab.topology.kafka_fields import ENV_KEY, PROPERTY_KEY

    out = dict(props)
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if ENV_KEY.match(key):
            key = env_name_to_property(key) or key
        if not PROPERTY_KEY.match(key):
            raise InputError(
                f"{item!r}: {key!r} is not a Kafka property (e.g. advertised.listeners) or KAFKA_* name",
                where=f"netlab config {action}",
            )
        if action == "set":
            if not sep:
                raise InputError(
                    f"{item!r}: expected key=value, e.g. advertised.listeners=INTERNAL://broker:29092",
                    where="netlab config set",
                )
            out[key] = value
        elif key in out:
            del out[key]
        else:
            raise InputError(f"{key!r} is not set; set keys: {', '.join(out)}", where="netlab config unset")
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def config(
        lab: str = lab_argument(),
        node: str = node_argument("a node that runs a broker"),
        action: str | None = typer.Argument(None, help="set or unset (nothing: show)"),
        items: list[str] | None = typer.Argument(None, help="key=value (set) or key (unset)"),
        no_restart: bool = typer.Option(
            False, "--no-restart", help="edit only; restart later with netlab restart"
        ),
        as_json: bool = json_option(),
    ) -> None:
        """Show a broker's properties, or edit them and restart the broker."""
        from broker.properties import parse_properties
        from netlab.brokers import format_properties, properties_path
        from netlab.lab.apply import require_root
        from netlab.lab.state import load_lab

        state = load_lab(lab)
        step = broker_step(state, node)
        path = properties_path(lab, node)
        text = path.read_text() if path.exists() else ""
        props = parse_properties(text)
        if action is None:
            if as_json:
                typer.echo(json.dumps({"lab": lab, "node": node, "file": str(path), "properties": props}))
            else:
                console.print(f"[dim]# {path}[/]", highlight=False)
                typer.echo("\n".join(f"{k}={v}" for k, v in props.items()))
            return
        if action not in ("set", "unset"):
            raise InputError(
                f"{action!r}: use `set key=value ...` or `unset key ...`, or nothing to show",
                where="netlab config",
            )
        if not items:
            raise InputError(
                f"give at least one {'key=value' if action == 'set' else 'key'} after {action}",
                where=f"netlab config {action}",
            )
        require_root()
        new = edit(props, action, list(items))
        header = "\n".join(line[1:].strip() for line in text.splitlines() if line.startswith("#"))
        path.write_text(format_properties(new, header or f"broker of node {node} in lab {lab}"))
        changed = {k: new.get(k) for k in set(props) | set(new) if props.get(k) != new.get(k)}
        result: dict[str, object] = {"lab": lab, "node": node, "file": str(path), "changed": changed}
        if not no_restart:
            from netlab.lab.brokers import restart_step

            result["restart"] = restart_step(lab, step)
        if as_json:
            typer.echo(json.dumps(result))
            return
        for k, v in sorted(changed.items()):
            console.print(f"  {k} = {v}" if v is not None else f"  {k} removed", highlight=False)
        restarted = result.get("restart")
        if isinstance(restarted, dict):
            print_restart(restarted)
        else:
            console.print(f"  not restarted; run: netlab restart {lab} {node}", highlight=False)
