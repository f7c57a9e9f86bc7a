"""`netlab capture`: capture packets inside a lab node (or on a network's bridge)."""

from __future__ import annotations

import os
import sys

import typer

from netlab.cli._options import json_option
from netlab.errors import InputError, NotRootError


def _ports(values: list[int] | None) -> set[int]:
    ports = set()
    for p in values or []:
        if not 1 <= p <= 65535:
            raise InputError(f"port {p} is not a TCP port (1-65535)", where="--port")
        ports.add(p)
    return ports


def register(app: typer.Typer) -> None:
    @app.command()
    def capture(
        lab: str = typer.Argument(
            None, help="Lab name (as given to netlab up); with --netns: the interface."
        ),
        target: str = typer.Argument(
            None, help="NODE or NODE:IFACE; all of the node's interfaces without :IFACE."
        ),
        network: str = typer.Option(
            None, "--network", "-n", help="Capture on this network's bridge (every node on it)."
        ),
        write: str = typer.Option(
            None, "--write", "-w", help="Write a pcap file (Wireshark/tshark open it)."
        ),
        count: int = typer.Option(None, "--count", "-c", min=1, help="Stop after this many packets."),
        duration: float = typer.Option(
            None, "--duration", "-d", min=0.0, help="Stop after this many seconds."
        ),
        kafka: bool = typer.Option(False, "--kafka", "-k", help="Print the Kafka story (decoded live)."),
        port: list[int] = typer.Option(
            None, "--port", "-p", help="Kafka port (repeatable); default: the lab's listener ports."
        ),
        bpf: str = typer.Option(None, "--filter", help="BPF filter, tcpdump syntax."),
        netns: str = typer.Option(None, "--netns", help="Capture in this namespace directly (no lab)."),
        docker: str = typer.Option(
            None, "--docker", help="Capture in this running container's namespace (DOCKER_HOST's engine)."
        ),
        as_json: bool = json_option("One JSON object per packet, or per Kafka message with --kafka."),
    ) -> None:
        """Capture raw packets in a node's namespace; print, save (-w) or tell the Kafka story (--kafka)."""
        from netlab.capture.capture import Capture
        from netlab.capture.labinfo import lab_info
        from netlab.capture.live import LiveOptions, run_live
        from netlab.capture.story import Story

        if os.geteuid() != 0:
            raise NotRootError("capturing packets needs root: run it with sudo", where="capture")
        story = Story()
        ports = _ports(port)
        iface: str | None
        if docker:
            from netlab.docker.cli import container_capture_target

            if netns:
                raise InputError("give --docker or --netns, not both", where="capture")
            ns, names, hosts = container_capture_target(docker)
            story = Story(names=names, hosts=hosts)
            story.local_node = docker
            iface = lab  # with --docker the one argument is the interface
        elif netns:
            if lab and target:
                raise InputError("with --netns give only the interface (or nothing for all)", where="capture")
            ns, iface = netns, target or lab
        else:
            if not lab:
                raise InputError("name a lab (or use --netns NAMESPACE)", where="capture")
            info = lab_info(lab)
            story = Story(names=info.names, hosts=info.hosts)
            ports = ports or info.kafka_ports
            if network:
                node, iface = info.bridge_of(network)
                if target and target.split(":")[0] != node:
                    raise InputError(
                        f"network {network!r} is bridged in node {node!r}, not {target!r}", where="--network"
                    )
            else:
                if not target:
                    raise InputError("name a node (NODE or NODE:IFACE) or a --network", where="capture")
                node, _, named = target.partition(":")
                iface = named or None
                if iface is not None and not 1 <= len(iface) <= 15:
                    raise InputError(f"{iface!r} is not an interface name (1-15 characters)", where=target)
            from netlab.docker.lab import container_netns, is_docker_lab

            # a container of a lab on Docker: its namespace through its init process
            ns = (
                container_netns(lab, node)
                if is_docker_lab(lab) and node not in info.netns
                else info.node_netns(node)
            )
            story.local_node = node
        opts = LiveOptions(
            write=write,
            kafka=kafka,
            as_json=as_json,
            ports=frozenset(ports or {9092}),
            detect=not ports,  # the lab's listener ports or --port: no guessing; neither: 9092 + detection
        )
        from netlab.capture.kafka import bind_kafka_port

        for p in opts.ports:
            bind_kafka_port(p)  # summary lines then show Kafka headers on these ports
        cap = Capture(ns, iface, bpf)
        where = f"{ns}:{iface or 'any'}"
        print(
            f"capturing on {where}" + (f", writing {write}" if write else "") + " (Ctrl-C stops)",
            file=sys.stderr,
        )
        try:
            stats = run_live(
                cap,
                opts,
                lambda line: print(line, flush=True),
                story,
                count=count,
                duration=duration,
                note=lambda text: print(f"netlab capture: {text}", file=sys.stderr),
            )
        finally:
            cap.close()
        dropped = f", {stats.kernel_dropped} dropped by the kernel" if stats.kernel_dropped else ""
        ended = f"; stopped: {stats.ended}" if stats.ended else ""
        print(f"{stats.captured} packets captured in {stats.seconds:.1f} s{dropped}{ended}", file=sys.stderr)
