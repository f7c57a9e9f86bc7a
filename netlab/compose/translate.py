"""A compose project (project.py) with its images' behaviour (profiles/) as a netlab topology.

The result is the plain data of a topology file plus, per data path, the reason a value is there
when it was derived rather than written in the compose file (`import compose` writes those as
comments). Picture: the Docker host is node `host`, holding one bridge per compose network
(`docker0` for the legacy default bridge, `br-<12 hex>` for the others, as Docker names them);
every container is a node named after its service, with its container_name, aliases and short
container id as names on each of its networks and its hostname (`hostname:` or the 12-hex id)
resolving in itself and advertised for empty listener hosts; published ports go through the
host; a container with `network_mode: host` is the host node itself, one with `service:X`
shares X's node; ZooKeeper services run as `zookeeper:` blocks.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from netlab.errors import InputError
from netlab.topology.models import Node
from netlab.topology.types import HOSTNAME_RE
from netlab.topology.zookeeper_fields import parse_connect

from .profiles import ImageRef, KafkaRole, ZooKeeperRole, configure_service, family_of
from .profiles.base import drop_lab_owned
from .project import LEGACY_BRIDGE, Project, Service

# netlab runs ZooKeeper in a node when the topology model has the `zookeeper:` block (the
# ZooKeeper-mode work); without it ZooKeeper services are plain nodes with a note.
ZOOKEEPER_BLOCK = "zookeeper" in Node.model_fields

HOST = "host"
LAN_NODE = "lan"
LAN_NETWORK = "lan"
DEFAULT_LAN_IP = IPv4Address("198.51.100.10")  # RFC 5737 documentation range: never the real uplink
_NAME_OK = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass
class Translation:
    project: Project
    data: dict  # the topology file's data
    comments: dict[tuple, str] = field(default_factory=dict)  # data path -> why it is there
    node_of: dict[str, str] = field(default_factory=dict)  # service -> node
    hostname_of: dict[str, str] = field(default_factory=dict)  # service -> the container's hostname
    network_of: dict[str, str] = field(default_factory=dict)  # compose network key -> netlab name
    roles: dict[str, KafkaRole | ZooKeeperRole] = field(default_factory=dict)  # by service
    notes: list[str] = field(default_factory=list)
    desktop_vm: str | None = None  # --desktop: the node of Docker Desktop's VM

    @property
    def data_nodes(self) -> dict:
        return self.data["nodes"]

    @property
    def brokers(self) -> dict[str, str]:
        """service -> node for every Kafka container that gets a broker."""
        return {
            s: self.node_of[s]
            for s, r in self.roles.items()
            if isinstance(r, KafkaRole) and r.entrypoint_error is None and s in self.node_of
        }


def lab_name(project: str) -> str:
    name = re.sub(r"[^a-z0-9_]", "_", project.lower()).strip("_")[:32] or "compose"
    return name if name[0].isalnum() else "c" + name[:31]


def node_name(text: str) -> str:
    name = re.sub(r"[^a-z0-9-]", "-", text.lower()).strip("-")[:63]
    return name or "svc"


def container_id(project: str, service: str) -> str:
    """A container's 12-hex id (its default hostname and a DNS name on its networks). Docker's is
    random per container; netlab's is fixed per project and service so predict and up agree."""
    return hashlib.sha256(f"{project}/{service}".encode()).hexdigest()[:12]


def bridge_name(docker_name: str) -> str:
    return "br-" + hashlib.sha256(docker_name.encode()).hexdigest()[:12]


def _host_name(name: str) -> bool:
    """Can this be a node's name (the container's hostname)?"""
    return bool(_NAME_OK.match(name))


def _dns_name(name: str) -> bool:
    """Can this name resolve (an alias: the service name, container_name, aliases)?"""
    return bool(HOSTNAME_RE.match(name))


def translate(
    project: Project,
    *,
    lan_ip: IPv4Address | None = DEFAULT_LAN_IP,
    env_overrides: dict[str, dict[str, str]] | None = None,
    port_overrides: dict[str, list] | None = None,
    desktop: str | None = None,
) -> Translation:
    """`env_overrides` / `port_overrides`: service -> variables changed / ports added (a fix
    being checked by fixes.py)."""
    for svc, extra in (port_overrides or {}).items():
        if extra and svc in project.services:
            project.services[svc].ports = project.services[svc].ports + list(extra)
    t = Translation(project, {})
    data = t.data
    data["lab"] = lab_name(project.name)
    t.comments[("lab",)] = f"compose project {project.name}"
    data["description"] = f"docker compose project {project.name} from {project.path}"
    t.comments[("description",)] = "netlab import compose"
    nodes: dict[str, dict] = {HOST: {}}
    data["nodes"] = nodes
    t.comments[("nodes", HOST)] = "the Docker host"
    networks: dict[str, dict] = {}
    for key, net in project.networks.items():
        name = "docker0" if key == LEGACY_BRIDGE else node_name(net.name.replace("_", "-"))
        t.network_of[key] = name
        spec: dict[str, object] = {
            "node": HOST,
            "bridge": "docker0" if key == LEGACY_BRIDGE else bridge_name(net.name),
            "subnet": str(net.subnet),
            "gateway": str(net.gateway),
        }
        networks[name] = spec
        t.comments[("networks", name, "node")] = "the Docker host holds every network's bridge"
        if key == LEGACY_BRIDGE:
            spec["names"] = False
            t.comments[("networks", name)] = "Docker's legacy default bridge (network_mode: bridge)"
            t.comments[("networks", name, "names")] = (
                "no embedded DNS on the default bridge: only links give names"
            )
        else:
            t.comments[("networks", name)] = f"Docker network {net.name}"
            t.comments[("networks", name, "bridge")] = "Docker names bridges br-<network id>"
        if not net.explicit_subnet:
            t.comments[("networks", name, "subnet")] = "Docker's default address pool, next free subnet"
        t.comments[("networks", name, "gateway")] = "the bridge's address on the host: first host address"
    # nodes: one per container that has its own network namespace
    taken: set[str] = {HOST, LAN_NODE}
    for s in project.services.values():
        if s.network_mode == "host":
            t.node_of[s.name] = HOST
            continue
        if s.shares_namespace_of:
            continue
        name = node_name(s.name)
        while name in taken:
            name = node_name(name + "-2")
        taken.add(name)
        t.node_of[s.name] = name
        t.hostname_of[s.name] = s.hostname or container_id(project.name, s.name)
        nodes[name] = {}
        t.comments[("nodes", name)] = (f"service {s.name}; " if name != s.name else "") + (
            f"hostname {s.hostname}"
            if s.hostname
            else f"hostname {t.hostname_of[s.name]}: Docker's is the container's 12-hex id (here a fixed one)"
        )
    for s in project.services.values():
        if s.network_mode == "host":
            t.hostname_of[s.name] = HOST  # the Docker host's own name
        elif s.shares_namespace_of:
            root = _root_of(project, s)
            t.node_of[s.name] = t.node_of[root]
            t.hostname_of[s.name] = t.hostname_of[root]
    facts_of = _facts(project, t)
    for s in project.services.values():
        node = t.node_of[s.name]
        spec = nodes[node]
        _attach(t, s, spec, node)
        _ports(t, s, spec, node)
        _extra_hosts(t, s, spec, node)
        env = dict(s.environment)
        env.update((env_overrides or {}).get(s.name, {}))
        role = None
        if not s.image:
            t.notes.append(f"{s.name}: no `image:` (built, or inherited through extends): a plain node")
        else:
            image = ImageRef.parse(s.image)
            replaced = _start_replaced(s)
            if replaced and family_of(image) is not None:
                t.notes.append(f"{s.name}: {replaced}: the image's entrypoint does not run (a plain node)")
            else:
                role = configure_service(image, env, container=f"{project.name}-{s.name}", facts=facts_of(s))
                if role is None:
                    t.notes.append(f"{s.name}: image {s.image} is not modelled (a plain node)")
        if role is not None:
            t.roles[s.name] = role
        if isinstance(role, KafkaRole):
            _broker(t, s, role, spec, node, image)
        elif isinstance(role, ZooKeeperRole):
            _zookeeper(t, s, role, node)
    if lan_ip is not None and any(s.ports for s in project.services.values() if s.network_mode != "host"):
        _lan(t, nodes, networks, lan_ip)
    if desktop:
        _desktop(t, nodes, networks, desktop, lan_ip)
    data["nodes"] = nodes
    data["networks"] = networks
    return t


# The images' own start scripts: a `command:` that still calls one starts Kafka as the image does.
START_SCRIPTS = (
    "/etc/confluent/docker/run",
    "/etc/kafka/docker/run",
    "start-kafka.sh",
    "/opt/bitnami/scripts/kafka/run.sh",
    "/opt/bitnami/scripts/zookeeper/run.sh",
    "zkServer.sh",
    "/docker-entrypoint.sh",
)


def _start_replaced(s: Service) -> str | None:
    """Why the image's entrypoint does not run: `entrypoint:` replaced, or a `command:` that
    replaces the image's start command without calling its start script."""
    if s.entrypoint is not None and not any(x in s.entrypoint for x in START_SCRIPTS):
        return f"entrypoint replaced ({s.entrypoint[:60]})"
    if s.command is not None and not any(x in s.command for x in START_SCRIPTS):
        if s.command.strip().startswith(("-", "kafka-server-start", "zookeeper-server-start")):
            return None  # arguments to the image's entrypoint / its own server start
        return f"command replaced ({s.command[:60]})"
    return None


def _root_of(project: Project, s: Service) -> str:
    seen = {s.name}
    while s.shares_namespace_of:
        s = project.services[s.shares_namespace_of]
        if s.name in seen:
            break
        seen.add(s.name)
    return s.name


def _facts(project: Project, t: Translation):
    def facts(s: Service) -> dict[str, str]:
        out = {"host": HOST, "hostname": t.hostname_of.get(s.name, t.node_of[s.name])}
        if s.attachments:
            net = project.networks[s.attachments[0].network]
            out["gateway"] = str(net.gateway)
            out["address"] = str(s.attachments[0].ipv4_address)
        return out

    return facts


def _attach(t: Translation, s: Service, spec: dict, node: str) -> None:
    if not s.attachments:
        return
    nets = spec.setdefault("networks", {})
    for a in s.attachments:
        name = t.network_of[a.network]
        entry: dict = {"ipv4_address": str(a.ipv4_address)}
        path = ("nodes", node, "networks", name)
        if not a.static:
            t.comments[path + ("ipv4_address",)] = "Docker's IPAM: next free address in start order"
        if a.network != LEGACY_BRIDGE:
            short_id = container_id(t.project.name, s.name)
            names = [s.name, s.container_name or "", *a.aliases, short_id]
            aliases = [n for n in dict.fromkeys(names) if n and n != node]
            bad = [n for n in aliases if not _dns_name(n)]
            if bad:
                t.notes.append(f"{s.name}: names {', '.join(bad)} are not valid host names and are left out")
            aliases = [n for n in aliases if _dns_name(n)]
            if aliases:
                entry["aliases"] = aliases
                derived = [n for n in aliases if n not in a.aliases]
                if derived:
                    t.comments[path + ("aliases",)] = (
                        f"{', '.join(derived)}: Docker's DNS names on the network (service, container "
                        "name, short container id)"
                    )
        nets[name] = entry
    hostname = t.hostname_of.get(s.name)
    if s.hostname and hostname and hostname != node and _dns_name(hostname):
        # Docker writes the hostname into the container's own /etc/hosts only: other containers
        # do not resolve it
        hosts = spec.setdefault("extra_hosts", [])
        hosts.append(f"{hostname}:{s.attachments[0].ipv4_address}")
        t.comments[("nodes", node, "extra_hosts", len(hosts) - 1)] = (
            "the hostname resolves in the container itself (Docker's /etc/hosts), not on the network"
        )


def _ports(t: Translation, s: Service, spec: dict, node: str) -> None:
    if not s.ports:
        return
    if s.network_mode == "host":
        t.notes.append(f"{s.name}: published ports are discarded with network_mode: host (as Docker does)")
        return
    if not s.attachments:
        t.notes.append(f"{s.name}: ports are not published without a network (network_mode {s.network_mode})")
        return
    out = spec.setdefault("ports", [])
    for p in s.ports:
        if p.ipv6 or p.protocol == "sctp":
            t.notes.append(
                f"{s.name}: port {p.text} ({'IPv6 host IP' if p.ipv6 else 'sctp'}) is not modelled"
            )
            continue
        entry: dict = {"target": p.target, "published": p.published, "protocol": p.protocol}
        if p.host_ip:
            entry["host_ip"] = p.host_ip
        if s.shares_namespace_of:
            t.notes.append(
                f"{s.name}: ports of a service sharing {s.shares_namespace_of}'s namespace "
                "are published by it"
            )
        out.append(entry)
        if p.auto:
            t.comments[("nodes", node, "ports", len(out) - 1)] = (
                f"container port {p.target} published on host port {p.published}: "
                "Docker's allocator (32768 up)"
            )


def _extra_hosts(t: Translation, s: Service, spec: dict, node: str) -> None:
    out = spec.setdefault("extra_hosts", [])
    for item in s.extra_hosts:
        name, sep, addr = item.replace("=", ":", 1).partition(":")
        if ":" in addr and addr != "host-gateway":
            t.notes.append(f"{s.name}: extra_hosts {item} (IPv6) is not modelled")
            continue
        out.append(f"{name}:{addr}")
    project = t.project
    for target, alias in s.links:
        other = project.services.get(target)
        if other is None:
            continue
        shared = [a for a in other.attachments if any(b.network == a.network for b in s.attachments)]
        if not shared:
            continue
        if shared[0].network == LEGACY_BRIDGE:
            for name in dict.fromkeys([alias, target]):
                out.append(f"{name}:{shared[0].ipv4_address}")
                t.comments[("nodes", node, "extra_hosts", len(out) - 1)] = (
                    f"links: {target} (Docker writes linked containers into /etc/hosts on the default bridge)"
                )
        elif alias != target:
            out.append(f"{alias}:{shared[0].ipv4_address}")
            t.comments[("nodes", node, "extra_hosts", len(out) - 1)] = f"links: {target}:{alias}"
    if not out:
        spec.pop("extra_hosts")


def _broker(t: Translation, s: Service, role: KafkaRole, spec: dict, node: str, image: ImageRef) -> None:
    family = family_of(image)
    if role.entrypoint_error is not None:
        t.notes.append(
            f"{s.name}: the container exits before Kafka starts ({image}): {role.entrypoint_error}"
        )
        return
    if "broker" in spec:
        t.notes.append(f"{s.name}: a second Kafka in node {node} (shared namespace) is not modelled")
        return
    drop_lab_owned(role, str(image))
    _check_zookeeper_connect(t, s, role, family)
    _empty_hosts_to_hostname(t, s, role, node)
    if role.zookeeper_connect is not None and not role.kraft and not ZOOKEEPER_BLOCK:
        t.notes.append(
            f"{s.name}: ZooKeeper mode ({role.zookeeper_connect}): the broker runs with the ZooKeeper "
            "settings as written, as a cluster of its own (no ZooKeeper in this netlab version)"
        )
    block: dict = {}
    for key in sorted(role.props):
        block[key] = role.props[key]
        why = role.derived.get(key)
        written = _written_as(s, key, family)
        if why:
            t.comments[("nodes", node, "broker", key)] = why
        elif written:
            t.comments[("nodes", node, "broker", key)] = f"{written} ({family} image)"
    spec["broker"] = block
    for n in role.notes:
        t.notes.append(f"{s.name}: {n}")


def _check_zookeeper_connect(t: Translation, s: Service, role: KafkaRole, family: str | None) -> None:
    """A zookeeper.connect Kafka's ZooKeeper client cannot parse: exit 2 at the variable that wrote it."""
    try:
        parse_connect(role.props.get("zookeeper.connect"))
    except ValueError as exc:
        var = (_written_as(s, "zookeeper.connect", family) or "").split(" ")[0]
        path = ("services", s.name, "environment", var) if var else ("services", s.name, "environment")
        raise InputError(str(exc), where=t.project.loaded.src.where(path)) from None


def _written_as(s: Service, key: str, family: str | None) -> str | None:
    for var in s.environment:
        if (
            var.startswith("KAFKA_")
            and var.lower().replace("kafka_cfg_", "").replace("kafka_", "").replace("_", ".") == key
        ):
            return var if var in s.written_env else f"{var} (env_file)"
    return None


def _zookeeper(t: Translation, s: Service, role: ZooKeeperRole, node: str) -> None:
    if role.entrypoint_error:
        t.notes.append(f"{s.name}: ZooKeeper does not serve: {role.entrypoint_error}")
        return
    if not ZOOKEEPER_BLOCK:
        t.notes.append(
            f"{s.name}: ZooKeeper on port {role.client_port} — not run by netlab in this version (no "
            "`zookeeper:` topology block); brokers keep zookeeper.connect as written"
        )
        return
    spec = t.data_nodes[node]
    block: dict = {"client_port": role.client_port}
    spec["zookeeper"] = block
    path = ("nodes", node, "zookeeper")
    t.comments[path] = f"ZooKeeper server of {s.image}"
    t.comments[path + ("client_port",)] = "the image's client port"
    t.notes += [f"{s.name}: {n}" for n in role.notes]
    if role.tick_time is not None and role.tick_time != 2000:
        block["tick_time"] = role.tick_time
        t.comments[path + ("tick_time",)] = "the image's entrypoint: tickTime"
    ensemble = len(role.servers) > 1  # a quorum peer, as the image's entrypoint configures it
    if ensemble:
        block["server_id"] = role.server_id
        block["servers"] = dict(role.servers)
        why = "the image's entrypoint: server id (myid), server.N lines"
        for key in ("server_id", "servers"):
            t.comments[path + (key,)] = why
    if role.settings:
        block["settings"] = dict(role.settings)
        t.comments[path + ("settings",)] = "the image's entrypoint: the zoo.cfg lines it writes"


def _lan(t: Translation, nodes: dict, networks: dict, lan_ip: IPv4Address) -> None:
    subnet = f"{lan_ip}/24"
    from ipaddress import IPv4Interface

    net = IPv4Interface(subnet).network
    gateway = next(a for a in net.hosts() if a != lan_ip)
    networks[LAN_NETWORK] = {
        "node": LAN_NODE,
        "bridge": "br-lan",
        "subnet": str(net),
        "gateway": str(gateway),
    }
    t.comments[("networks", LAN_NETWORK)] = "the host's LAN (--lan-ip), for the LAN machine's rows"
    t.comments[("networks", LAN_NETWORK, "node")] = "the LAN's switch, as a bridge in the LAN machine"
    t.comments[("networks", LAN_NETWORK, "subnet")] = "the /24 of --lan-ip"
    t.comments[("networks", LAN_NETWORK, "bridge")] = "netlab's name for the LAN's bridge"
    t.comments[("networks", LAN_NETWORK, "gateway")] = "the LAN machine's address"
    nodes[LAN_NODE] = {}
    t.comments[("nodes", LAN_NODE)] = "a machine on the Docker host's LAN"
    host = nodes[HOST]
    host.setdefault("networks", {})[LAN_NETWORK] = {"ipv4_address": str(lan_ip)}
    t.comments[("nodes", HOST, "networks", LAN_NETWORK, "ipv4_address")] = "the host's LAN address (--lan-ip)"


DESKTOP_VM = "docker-desktop"  # the VM Docker Desktop runs the engine in
DESKTOP_NETWORK = "desktop-vm"  # between the host and the VM
DESKTOP_SUBNET = "192.168.65.0/24"  # Docker Desktop's own VM network
DESKTOP_HOST_IP = "192.168.65.254"  # the host's side (Docker Desktop's host.docker.internal address)
DESKTOP_VM_IP = "192.168.65.3"


def _desktop(t: Translation, nodes: dict, networks: dict, desktop: str, lan_ip: IPv4Address | None) -> None:
    """Docker Desktop (Mac, Windows): the engine runs in a VM (`docker-desktop`) between the host
    and the containers, as topologies/09 draws a Mac running Docker in a VM:
    - the VM holds every Docker network's bridge and publishes the containers' ports; Docker
      Desktop forwards each published port from the host (on the host_ip written, else every
      address) to the VM: `localhost:9092` on the host works through two hops;
    - the host has no route to the VM's bridge networks: container addresses are unreachable;
    - host.docker.internal resolves in every container (to its gateway, the VM, whose published
      ports are the host's ports), and on Windows also on the host itself (Docker Desktop writes
      it into the Windows hosts file, with the host's address). A host service that is not a
      published port is not reachable that way here (the lab's host runs none)."""
    vm = DESKTOP_VM
    while vm in nodes:
        vm += "-2"
    for name, spec in networks.items():
        if spec.get("node") == HOST:
            spec["node"] = vm
            t.comments[("networks", name, "node")] = f"Docker Desktop ({desktop}): the VM holds the bridges"
    networks[DESKTOP_NETWORK] = {
        "node": HOST,
        "bridge": "br-desktop",
        "subnet": DESKTOP_SUBNET,
        "gateway": DESKTOP_HOST_IP,
        "names": False,
    }
    t.comments[("networks", DESKTOP_NETWORK)] = f"Docker Desktop ({desktop}): the host's link to the VM"
    vm_spec: dict = {"networks": {DESKTOP_NETWORK: {"ipv4_address": DESKTOP_VM_IP}}, "ports": []}
    t.comments[("nodes", vm)] = f"Docker Desktop ({desktop}): the VM running the engine"
    for name, spec in list(nodes.items()):
        if name in (HOST, LAN_NODE, vm):
            continue
        for entry in spec.get("ports", []):  # published by the VM, forwarded by Desktop from the host
            mirror = {
                "target": entry["published"],
                "published": entry["published"],
                "protocol": entry["protocol"],
            }
            if "host_ip" in entry:
                mirror["host_ip"] = entry.pop("host_ip")  # the host listens there; the VM on every address
            mirror["network"] = DESKTOP_NETWORK
            vm_spec["ports"].append(mirror)
            t.comments[("nodes", vm, "ports", len(vm_spec["ports"]) - 1)] = (
                f"Docker Desktop forwards the host's port {entry['published']} to the VM ({name})"
            )
        if not spec.get("networks"):
            continue
        hosts = spec.setdefault("extra_hosts", [])
        if not any(h.startswith("host.docker.internal:") for h in hosts):
            hosts.append("host.docker.internal:host-gateway")
            t.comments[("nodes", name, "extra_hosts", len(hosts) - 1)] = f"Docker Desktop ({desktop})"
    # network_mode: host is the VM's namespace under Docker Desktop, not the host's
    host_spec = nodes[HOST]
    for key in [k for k in host_spec if k not in ("networks", "extra_hosts")]:
        vm_spec[key] = host_spec.pop(key)
    for svc, node in t.node_of.items():
        if node == HOST:
            t.node_of[svc] = vm
    if not vm_spec["ports"]:
        del vm_spec["ports"]
    nodes[vm] = vm_spec
    t.desktop_vm = vm
    if desktop == "windows":
        hosts = host_spec.setdefault("extra_hosts", [])
        hosts.append(f"host.docker.internal:{lan_ip or '127.0.0.1'}")
        t.comments[("nodes", HOST, "extra_hosts", len(hosts) - 1)] = (
            "Docker Desktop for Windows writes it on the host"
        )
    t.notes.append(
        f"--desktop {desktop}: the engine runs in the VM {vm} ({DESKTOP_VM_IP}); published ports are "
        f"forwarded from the host to it; container addresses are not reachable from the host; "
        "host.docker.internal resolves in containers" + (" and on the host" if desktop == "windows" else "")
    )


def _empty_hosts_to_hostname(t: Translation, s: Service, role: KafkaRole, node: str) -> None:
    """Kafka advertises an empty host as the machine's canonical host name: in a container, its
    hostname (`hostname:` or the 12-hex id), which netlab's node name is not. Written out."""
    hostname = t.hostname_of.get(s.name)
    roles = {r.strip() for r in role.props.get("process.roles", "").split(",") if r.strip()}
    if not hostname or hostname == node or roles == {"controller"}:
        return
    advertised = role.props.get("advertised.listeners")
    if advertised is None:
        controllers = {n.strip().upper() for n in role.props.get("controller.listener.names", "").split(",")}
        entries = [
            e.strip() for e in role.props.get("listeners", "PLAINTEXT://:9092").split(",") if e.strip()
        ]
        advertised = ",".join(e for e in entries if e.split("://", 1)[0].strip().upper() not in controllers)
        if "://:" not in advertised:
            return
    if "://:" not in advertised:
        return
    role.derive(
        "advertised.listeners",
        advertised.replace("://:", f"://{hostname}:"),
        f"an empty advertised host is the container's hostname ({hostname}): Kafka's canonical host name",
    )
