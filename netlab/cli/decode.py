"""`netlab decode`: decode the Kafka conversation in a saved pcap."""

from __future__ import annotations

import json

import typer

from netlab.cli._options import json_option
from netlab.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command()
    def decode(
        pcap: str = typer.Argument(..., help="A pcap or pcapng file."),
        as_json: bool = json_option("One JSON object per Kafka message."),
        port: list[int] = typer.Option(
            None,
            "--port",
            "-p",
            help="Kafka port (repeatable). Default: 9092 plus any port whose first client bytes are an "
            "ApiVersions request.",
        ),
        headers_only: bool = typer.Option(False, "--headers-only", help="Do not decode bodies (fast)."),
        connections: bool = typer.Option(
            False, "--connections", help="With --json: also TCP connection events."
        ),
        lab: str = typer.Option(None, "--lab", help="Name clients by this running lab's node addresses."),
        node: str = typer.Option(
            None, "--node", help="The node the capture was taken in (names its loopback)."
        ),
    ) -> None:
        """Decode Kafka requests and responses in a capture (tshark-compatible framing, our own layers)."""
        from netlab.capture.decode import event_json, iter_events, message_json
        from netlab.capture.story import Story
        from netlab.capture.stream import ConnEvent

        for p in port or []:
            if not 1 <= p <= 65535:
                raise InputError(f"port {p} is not a TCP port (1-65535)", where="--port")
        events = iter_events(
            pcap, set(port) if port else None, bodies=not headers_only, connections=connections or not as_json
        )
        if as_json:
            for ev in events:
                obj = event_json(ev) if isinstance(ev, ConnEvent) else message_json(ev)
                typer.echo(json.dumps(obj, separators=(",", ":")))
            return
        story = Story(local_node=node)
        if lab:
            from netlab.capture.labinfo import lab_info

            info = lab_info(lab)
            story.names, story.hosts = info.names, info.hosts
        for ev in events:
            for line in story.lines(ev):
                typer.echo(line)
        for line in story.finish():
            typer.echo(line)
