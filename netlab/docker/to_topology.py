"""A running compose project as a netlab topology: what `netlab import docker` writes and what
`netlab check --docker` reasons over.

Each container becomes a node named after its compose service; the Docker host becomes the node
`host` that holds every network's bridge and publishes the ports, as in a netlab lab. Addresses
are the ones the engine gave (static in the topology, so a rebuilt lab is the same network).
Names resolve as Docker's embedded DNS resolves them on user-defined networks: the service name,
the container name and the network aliases, on the networks a container shares.

Brokers are read as the compose import reads them (netlab/compose/profiles/): a Kafka image's
container gets the settings its entrypoint derives from its environment (Confluent's listeners
from the advertised ones, Bitnami's KAFKA_CFG_*, wurstmeister's KAFKA_ADVERTISED_HOST_NAME ...);
any other container whose environment holds Kafka settings (KAFKA_*, KAFKA_CFG_*: netlab's own
node image, an image netlab does not know) gets them as written. Clients are generated (no
compose file declares them): from the host to every published port of a broker
(`localhost:<port>`), and from every other container to every listener port of every broker by
its service name, the questions people ask of a compose stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from netlab.compose.profiles import KafkaRole, configure_service, family_of
from netlab.compose.profiles.base import LAB_OWNED, ImageRef
from netlab.topology.kafka_fields import DEFAULT_CLIENT, ENV_KEY, broker_properties
from netlab.topology.types import HOSTNAME_RE, LAB_RE, NAME_RE

from .project import DEFAULT_BRIDGE, Container, Project

HOST_NODE = "host"
_LISTENER = re.compile(r"^\s*([A-Za-z0-9_]+)://(\[[^\]]*\]|[^:,]*):(\d+)\s*$")


@dataclass
class Imported:
    topology: dict[str, Any]
    nodes: dict[str, Container]  # node name -> the container it stands for
    host: str  # the node that stands for the Docker host
    notes: list[str] = field(default_factory=list)


def lab_name(project: str) -> str:
    name = re.sub(r"[^a-z0-9_]", "_", project.lower()).strip("_") or "docker"
    if not name[0].isalpha():
        name = "d" + name
    name = name[:32]
    assert LAB_RE.match(name), name
    return name


def node_name(raw: str) -> str:
    name = re.sub(r"[^a-z0-9-]", "-", raw.lower()).strip("-")[:63].strip("-") or "container"
    assert NAME_RE.match(name), name
    return name


def kafka_role(c: Container) -> KafkaRole | None:
    """The broker a known Kafka image's entrypoint makes of this container's environment."""
    image = ImageRef.parse(c.image) if c.image else None
    if image is None or family_of(image) in (None, "zookeeper"):
        return None
    address = c.attachments[0].address if c.attachments else ""
    facts = {"host": HOST_NODE, "hostname": c.hostname, "address": address}
    role = configure_service(image, dict(c.env), container=c.name, facts=facts)
    return role if isinstance(role, KafkaRole) else None


def is_broker(c: Container) -> bool:
    return kafka_role(c) is not None or any(ENV_KEY.match(k) for k in c.env)


def broker_block(c: Container) -> dict[str, str]:
    role = kafka_role(c)
    if role is not None:  # the image's derivations applied; its data directory is the lab's
        return {k: v for k, v in sorted(role.props.items()) if k not in LAB_OWNED}
    return {k: v for k, v in sorted(c.env.items()) if ENV_KEY.match(k)}


def listener_ports(c: Container) -> list[int]:
    """The ports of a broker's client listeners (KAFKA_LISTENERS, else its advertised listeners),
    without its KRaft controller listeners, which serve no client."""
    settings = broker_properties(broker_block(c))
    text = settings.get("listeners") or settings.get("advertised.listeners", "")
    controllers = {n.strip() for n in settings.get("controller.listener.names", "").split(",")}
    ports = []
    for part in text.split(","):
        m = _LISTENER.match(part)
        if m and m.group(1) not in controllers and int(m.group(3)) not in ports:
            ports.append(int(m.group(3)))
    return ports


def to_topology(project: Project, client: str = DEFAULT_CLIENT) -> Imported:
    notes: list[str] = []
    taken: set[str] = set()
    nodes: dict[str, Container] = {}
    host = (
        HOST_NODE if not any(node_name(c.service) == HOST_NODE for c in project.containers) else "docker-host"
    )
    taken.add(host)
    for c in project.containers:
        if not c.running:
            notes.append(f"container {c.name} is {c.state}: left out")
            continue
        if c.network_mode == "host" or c.network_mode.startswith("container:"):
            notes.append(
                f"container {c.name} uses network_mode {c.network_mode}: netlab's import models "
                "containers with their own network namespace only; left out"
            )
            continue
        name = node_name(c.service)
        if name in taken:
            name = node_name(c.name)
        taken.add(name)
        nodes[name] = c

    networks: dict[str, Any] = {}
    for net in project.networks.values():
        if net.driver != "bridge" or net.subnet is None:
            notes.append(f"network {net.name} ({net.driver}) is not a bridge network with IPv4: left out")
            continue
        if net.name == DEFAULT_BRIDGE:
            notes.append(
                "network bridge is Docker's default bridge, where containers do not resolve each "
                "other's names; netlab's model resolves names on every network, so rows between "
                "containers by name may differ there"
            )
        networks[node_name(net.name)] = {
            "node": host,
            "bridge": net.bridge,
            "subnet": str(net.subnet),
            **({"gateway": net.gateway} if net.gateway else {}),
        }

    out_nodes: dict[str, Any] = {host: {}}
    for name, c in nodes.items():
        spec: dict[str, Any] = {}
        attached = {}
        for a in c.attachments:
            net_name = node_name(a.network)
            if net_name not in networks:
                continue
            aliases = _aliases(name, c, a.aliases, notes)
            attached[net_name] = {"ipv4_address": a.address, **({"aliases": aliases} if aliases else {})}
        if attached:
            spec["networks"] = attached
        ports = [
            {
                "target": p.container_port,
                "published": p.host_port,
                "protocol": p.protocol,
                **({"host_ip": p.host_ip} if p.host_ip else {}),
            }
            for p in c.published
            if attached
        ]
        if ports:
            spec["ports"] = ports
        extra = _extra_hosts(c, notes)
        if extra:
            spec["extra_hosts"] = extra
        if is_broker(c):
            spec["broker"] = broker_block(c)
        out_nodes[name] = spec

    clients = _clients(host, nodes, client)
    topology = {
        "lab": lab_name(project.name),
        "description": f"compose project {project.name}, imported from a running Docker engine",
        "nodes": out_nodes,
        "networks": networks,
        "clients": clients,
    }
    return Imported(topology, nodes, host, notes)


def _aliases(node: str, c: Container, raw: tuple[str, ...], notes: list[str]) -> list[str]:
    out = []
    for alias in (c.name, *raw):
        if alias in (node, c.id[:12], c.id) or alias in out:
            continue  # the node name resolves anyway; Docker's short-id alias is noise here
        if not HOSTNAME_RE.match(alias):
            notes.append(f"{c.name}: alias {alias!r} is not a valid host name for netlab: left out")
            continue
        out.append(alias)
    return out


def _extra_hosts(c: Container, notes: list[str]) -> list[str]:
    out = []
    for entry in c.extra_hosts:
        name, _, address = entry.partition(":")
        if not name or not address:
            notes.append(f"{c.name}: extra host {entry!r} not understood: left out")
            continue
        out.append(f"{name}:{address}")
    return out


def _clients(host: str, nodes: dict[str, Container], client: str) -> list[dict[str, str]]:
    brokers = {n: c for n, c in nodes.items() if is_broker(c)}
    rows = []
    for c in brokers.values():
        for p in c.published:
            if p.protocol == "tcp":
                rows.append({"node": host, "bootstrap": f"localhost:{p.host_port}", "client": client})
    for name, c in nodes.items():
        if name in brokers:
            continue
        for bname, b in brokers.items():
            if not {a.network for a in c.attachments} & {a.network for a in b.attachments}:
                continue
            for port in listener_ports(b):
                rows.append({"node": name, "bootstrap": f"{bname}:{port}", "client": client})
    return rows
