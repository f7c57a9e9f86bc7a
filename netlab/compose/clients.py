"""The rows a compose lab is judged by, when the file names none.

- the Docker host through every port a Kafka container publishes: `localhost:<published>`;
- every service that is not Kafka, from its own namespace, to every broker listener of every Kafka
  container it shares a network with, by service name (`kafka:29092`); a network with brokers
  and no such service gets a client container `client-<network>` on it;
- a machine on the host's LAN to the host's LAN address through every published port.
`--probe FROM=HOST:PORT` asks given questions instead: FROM is a service, `host`, `lan`, `vm`
(Docker Desktop's VM, with --desktop) or
`+SERVICE` (a new client container on every network of SERVICE).
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.errors import InputError

from .profiles import KafkaRole, ZooKeeperRole
from .translate import HOST, LAN_NODE, Translation, node_name


@dataclass(frozen=True)
class Row:
    node: str  # where the client runs
    bootstrap: str
    label: str  # `from` as the user sees it (service name, host, lan, +SERVICE)


def _broker_ports(t: Translation) -> dict[str, list[int]]:
    """service -> the ports of its broker (not controller) listeners."""
    from netlab.kafka.config_rules import listener_config

    out: dict[str, list[int]] = {}
    for svc in t.brokers:
        role = t.roles[svc]
        assert isinstance(role, KafkaRole)  # t.brokers holds Kafka containers only
        cfg, _ = listener_config(role.props)
        if cfg is None:
            out[svc] = []
            continue
        out[svc] = [e.port for e in cfg.listeners if e.name not in cfg.controller_listeners]
    return out


def generated_rows(t: Translation) -> list[Row]:
    rows: list[Row] = []
    project = t.project
    brokers = t.brokers
    ports = _broker_ports(t)
    lan_ip = None
    host_nets = t.data["nodes"][HOST].get("networks", {})
    if "lan" in host_nets:
        lan_ip = host_nets["lan"]["ipv4_address"]
    for svc in brokers:
        s = project.services[svc]
        if s.network_mode == "host":
            for port in ports[svc]:
                rows.append(Row(HOST, f"localhost:{port}", "host"))
            continue
        for pub in s.ports:
            if pub.protocol == "tcp" and not pub.ipv6 and pub.target in ports[svc]:
                rows.append(Row(HOST, f"localhost:{pub.published}", "host"))
    # containers that are not Kafka, per shared network; a container whose entrypoint exits is
    # stopped (Docker stops it with its main process) and runs no client
    kafka = set(brokers) | {s for s, r in t.roles.items() if isinstance(r, KafkaRole)}
    kafka |= {
        s for s, r in t.roles.items() if isinstance(r, ZooKeeperRole) and r.entrypoint_error and r.exits
    }
    covered: set[str] = set()
    for s in project.services.values():
        if s.name in kafka or s.shares_namespace_of or not s.attachments:
            continue
        nets = {a.network for a in s.attachments}
        covered |= nets
        for svc in brokers:
            other = project.services[svc]
            if nets & {a.network for a in other.attachments}:
                for p in ports[svc]:
                    rows.append(Row(t.node_of[s.name], f"{svc}:{p}", s.name))
    extra_nodes: dict[str, str] = {}
    for key, netname in t.network_of.items():
        if key in covered or key == "bridge":
            continue
        on_it = [svc for svc in brokers if key in {a.network for a in project.services[svc].attachments}]
        if not on_it:
            continue
        client = node_name(f"client-{netname}")[:63]
        extra_nodes[client] = netname
        for svc in on_it:
            for p in ports[svc]:
                rows.append(Row(client, f"{svc}:{p}", client))
    for client, netname in extra_nodes.items():
        t.data["nodes"][client] = {"networks": [netname]}
        t.comments[("nodes", client)] = (
            f"a client container netlab adds on {netname} (no other service is on it)"
        )
    if lan_ip:
        for svc in brokers:
            for pub in project.services[svc].ports:
                if (
                    pub.protocol == "tcp"
                    and not pub.ipv6
                    and pub.target in ports[svc]
                    and pub.host_ip in (None, "0.0.0.0")
                ):
                    rows.append(Row(LAN_NODE, f"{lan_ip}:{pub.published}", "lan"))
    return list(dict.fromkeys(rows))


def probe_rows(t: Translation, probes: list[str]) -> list[Row]:
    rows = []
    for text in probes:
        who, sep, target = text.partition("=")
        host, colon, port = target.rpartition(":")
        if not sep or not colon or not host or not port.isdigit():
            raise InputError(f"{text!r}: expected FROM=HOST:PORT, e.g. host=localhost:9092", where="--probe")
        if who == "host":
            node = HOST
        elif who == "lan":
            if LAN_NODE not in t.data["nodes"]:
                raise InputError("`lan` needs a published port (and --lan-ip not off)", where="--probe")
            node = LAN_NODE
        elif who == "vm":
            if t.desktop_vm is None:
                raise InputError("`vm` (Docker Desktop's VM) needs --desktop mac|windows", where="--probe")
            node = t.desktop_vm
        elif who.startswith("+"):
            svc = who[1:]
            if svc not in t.project.services:
                raise InputError(
                    f"no service {svc!r}; services: {', '.join(t.project.services)}", where="--probe"
                )
            node = node_name(f"probe-{svc}")
            nets = [t.network_of[a.network] for a in t.project.services[svc].attachments]
            if not nets:
                raise InputError(
                    f"service {svc!r} has no network of its own to attach a client to", where="--probe"
                )
            t.data["nodes"].setdefault(node, {"networks": nets})
            t.comments[("nodes", node)] = f"a client container on every network of {svc} (--probe {text})"
        elif who in t.node_of:
            node = t.node_of[who]
        else:
            raise InputError(
                f"{who!r} is not a service, host, lan, vm or +SERVICE; "
                f"services: {', '.join(t.project.services)}",
                where="--probe",
            )
        rows.append(Row(node, target, who))
    return rows
