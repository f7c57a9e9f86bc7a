"""`netlab import compose FILE [-o lab.yaml]`: write the netlab topology a compose file becomes,
with a comment on every line derived rather than written in the compose file."""

from __future__ import annotations

from pathlib import Path

import typer

from netlab.cli._import_group import import_group


def compose(
    file: Path = typer.Argument(..., help="a docker-compose.yml"),
    output: Path | None = typer.Option(None, "-o", "--output", help="write here instead of stdout"),
    project: str | None = typer.Option(None, "--project", "-p", help="project name"),
    env_file: Path | None = typer.Option(None, "--env-file", help="instead of .env"),
    client: str = typer.Option("kcat", "--client", help="kcat, confluent-kafka, kafka-python, aiokafka"),
    probe: list[str] | None = typer.Option(None, "--probe", help="FROM=HOST:PORT (repeatable)"),
    lan_ip: str | None = typer.Option(None, "--lan-ip", help="the host's LAN address (or off)"),
) -> None:
    """The topology `netlab up docker-compose.yml` builds, as a file you can edit and keep."""
    from netlab.cli import _compose
    from netlab.compose import compose_lab
    from netlab.compose.topology_out import to_yaml

    options = _compose.compose_options(project, env_file, None, client, probe, lan_ip)
    lab = compose_lab(file, options)
    header = [
        f"netlab topology of the compose file {file} (netlab import compose)",
        "a comment ends every line derived (by Docker or the image's entrypoint) rather than written there",
    ]
    header += [f"note: {n}" for n in lab.notes]
    if lab.project.ignored:
        header.append(f"ignored compose keys (not modelled): {', '.join(lab.project.ignored)}")
    text = to_yaml(lab.translation, header)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        typer.echo(f"wrote {output}: lab {lab.topology.lab}, {len(lab.topology.nodes)} nodes", err=True)


def register(app: typer.Typer) -> None:
    import_group(app).command("compose")(compose)
