"""The resolved view of a topology: every decision the compiler needs, made once.

Produced by resolve.py (`resolve(topology) -> Resolved`); read by plan.py, names.py and the
verbs. Plain dataclasses, in the file's declaration order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import NamedTuple

from netlab.errors import InputError
from netlab.topology.models import Topology, TunLink, VxlanLink
from netlab.topology.source import PathKey, dotted_path


class TopologyError(InputError):
    """A rule of the file is broken at `path` (a data path such as ('nodes', 'b', 'ports', 0))."""

    def __init__(self, path: PathKey, message: str):
        super().__init__(message, where=dotted_path(path) or None)
        self.path = tuple(path)


@dataclass
class Net:
    name: str
    node: str  # holder of the bridge
    bridge: str
    subnet: IPv4Network
    gateway: IPv4Address | None
    default_route: bool
    mtu: int | None = None


@dataclass
class Attach:
    node: str
    network: str
    ifname: str
    peer_ifname: str  # bridge-side veth end or TAP, in the network's node
    address: IPv4Address
    prefixlen: int
    aliases: list[str]
    mode: str  # veth | tap
    default_route: bool
    path: PathKey

    @property
    def cidr(self) -> str:
        return f"{self.address}/{self.prefixlen}"


@dataclass
class Publish:
    node: str  # the container
    publisher: str  # the node holding the network's bridge
    network: str
    protocol: str
    listen_host: str  # "::" = Docker's default publish: every address, IPv4 and IPv6
    listen_port: int
    target_host: str
    target_port: int
    path: PathKey

    @property
    def spec(self) -> str:
        host = f"[{self.listen_host}]" if ":" in self.listen_host else self.listen_host
        return f"{self.protocol}:{host}:{self.listen_port}={self.target_host}:{self.target_port}"


@dataclass
class Iface:
    node: str
    name: str
    kind: str  # veth | bridge | tap | tun | vxlan | vlan | bond
    address: IPv4Interface | None
    network: str | None
    path: PathKey


@dataclass
class TunnelEnd:
    node: str
    ifname: str
    address: IPv4Interface | None
    local: IPv4Address
    peer: IPv4Address
    port: int
    underlay_dev: str | None
    master: str | None  # vxlan only: bridge to enslave to


class Tunnel(NamedTuple):
    """A vxlan or tun link with its two ends (a and b in the file's order)."""

    link: VxlanLink | TunLink
    a: TunnelEnd
    b: TunnelEnd

    @property
    def ends(self) -> tuple[TunnelEnd, TunnelEnd]:
        return (self.a, self.b)


@dataclass
class RouteOut:
    dst: str
    gateway: str | None
    dev: str | None
    auto: bool


@dataclass
class Resolved:
    """A loaded topology with every decision made: what `load_topology` returns and
    `compile_plan` compiles. `topology` is the validated file as written."""

    topology: Topology
    networks: dict[str, Net]
    attachments: list[Attach]
    ports: list[Publish]
    ifaces: dict[str, list[Iface]]
    vxlans: list[Tunnel]  # link.type == "vxlan"
    tunnels: list[Tunnel]  # link.type == "tun"
    routes: dict[str, list[RouteOut]]
    extra_hosts: dict[str, list[tuple[str, str]]]  # node -> [(address, name)]
    requires: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_node: dict[str, list[Attach]] = {}
        for a in self.attachments:
            self._by_node.setdefault(a.node, []).append(a)

    def attachments_of(self, node: str) -> list[Attach]:
        return self._by_node.get(node, [])
