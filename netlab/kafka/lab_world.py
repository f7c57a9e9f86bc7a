"""A `World` (views.py) from a resolved topology: what `netlab check`/`predict` reason over.

- names: each node's hosts file as netlab writes it (netlab.names: Docker's per-network scoping);
- addresses: every address of the node (attachments, bridges, TUN/TAP/veth/VXLAN devices);
- reach: addresses on a segment the node shares (a network, or a point-to-point subnet), plus
  addresses behind a route whose next hop is adjacent and forwards (net.ipv4.ip_forward=1), when
  the far node can route back to the source address;
- published ports: each `ports:` entry (a port proxy on the node holding the bridge);
- name scopes: on which networks each node name and alias resolves.
A stopped container (`stopped`: node -> Kafka's error, netlab/containers.py) has neither names
nor published ports: Docker withdrew both when its main process, the broker, exited.
Brokers are added by the caller (predict_rules.broker_view) from the node's `broker:` settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Address, IPv4Network, ip_address

from netlab.containers import kept_ports, withdrawn_ports
from netlab.names import HostsIndex, hosts_entries
from netlab.topology.view import Resolved

from .views import PublishedPort, Vantage, World

MAX_HOPS = 4


class _Segments:
    """Which (node, address) pairs share a layer-2 segment."""

    def __init__(self, r: Resolved):
        self.members: dict[tuple, list[tuple[str, IPv4Address]]] = {}
        self.of_node: dict[str, list[tuple[tuple, IPv4Address, IPv4Network]]] = {}
        joined = self._vxlan_joins(r)
        for node, ifaces in r.ifaces.items():
            for i in ifaces:
                if i.address is None:
                    continue
                key = ("net", i.network) if i.network else ("subnet", str(i.address.network))
                key = joined.get(key, key)
                self.members.setdefault(key, []).append((node, i.address.ip))
                self.of_node.setdefault(node, []).append((key, i.address.ip, i.address.network))
        self.owner = {str(a): n for ms in self.members.values() for n, a in ms}

    @staticmethod
    def _vxlan_joins(r: Resolved) -> dict[tuple, tuple]:
        """Networks whose bridges a VXLAN link joins are one segment: key -> representative."""
        bridge_net = {(n.node, n.bridge): name for name, n in r.networks.items()}
        parent: dict[tuple, tuple] = {}

        def find(k: tuple) -> tuple:
            while parent.get(k, k) != k:
                k = parent[k]
            return k

        def key(end) -> tuple | None:  # a bridge port joins that network; an addressed device its subnet
            if end.master and (end.node, end.master) in bridge_net:
                return ("net", bridge_net[(end.node, end.master)])
            return ("subnet", str(end.address.network)) if end.address is not None else None

        for vx in r.vxlans:
            ka, kb = key(vx.a), key(vx.b)
            if ka and kb and find(ka) != find(kb):
                parent[find(kb)] = find(ka)
        return {k: find(k) for k in parent}

    def adjacent(self, node: str) -> dict[str, str]:
        out = {}
        for key, _, _ in self.of_node.get(node, []):
            for other, addr in self.members[key]:
                if other != node:
                    out[str(addr)] = other
        return out


def _forwards(r: Resolved, node: str) -> bool:
    s = r.topology.nodes[node].sysctls
    return "1" in (s.get("net.ipv4.ip_forward"), s.get("net.ipv4.conf.all.forwarding"))


class _Routing:
    def __init__(self, r: Resolved, seg: _Segments):
        self.r, self.seg = r, seg
        self.adj = {n: seg.adjacent(n) for n in r.topology.nodes}
        self.own = {n: {str(a) for _, a, _ in seg.of_node.get(n, [])} for n in r.topology.nodes}

    def _next_hop(self, node: str, dst: str) -> str | None:
        """The gateway of the most specific route of `node` covering dst (None: no route)."""
        best, best_len = None, -1
        for route in self.r.routes.get(node, []):
            net = IPv4Network("0.0.0.0/0") if route.dst == "default" else IPv4Network(route.dst, strict=False)
            if ip_address(dst) in net and net.prefixlen > best_len and route.gateway:
                best, best_len = route.gateway, net.prefixlen
        return best

    def _source(self, node: str, gateway: str) -> str | None:
        for _, addr, net in self.seg.of_node.get(node, []):
            if ip_address(gateway) in net:
                return str(addr)
        return None

    def forward_path(self, node: str, dst: str, hops: int = 0) -> bool:
        """Do packets from `node` get to dst (directly, or through forwarding next hops)?"""
        if dst in self.own[node] or dst in self.adj[node]:
            return True
        if hops >= MAX_HOPS:
            return False
        gw = self._next_hop(node, dst)
        hop = self.adj[node].get(gw) if gw else None
        if hop is None:
            return False
        if dst in self.own[hop]:  # the next hop owns dst (weak host model): no forwarding needed
            return True
        return _forwards(self.r, hop) and self.forward_path(hop, dst, hops + 1)

    def reaches(self, node: str, dst: str) -> bool:
        """A TCP connection needs the way there and the way back to the source address."""
        if not self.forward_path(node, dst):
            return False
        if dst in self.adj[node] or dst in self.own[node]:
            return True
        gw = self._next_hop(node, dst)
        src = self._source(node, gw) if gw else None
        owner = self.seg.owner.get(dst)
        return src is not None and owner is not None and self.forward_path(owner, src)


def world_from_resolved(r: Resolved, stopped: Mapping[str, str] | None = None) -> World:
    stopped = dict(stopped or {})
    index = HostsIndex(r, withdrawn=stopped)
    seg = _Segments(r)
    routing = _Routing(r, seg)
    vantages: dict[str, Vantage] = {}
    for node in r.topology.nodes:
        names: dict[str, list[str]] = {}
        for address, entry_names in hosts_entries(r, node, index):
            for name in entry_names:
                if address not in names.setdefault(name, []):
                    names[name].append(address)
        own = sorted(routing.own[node], key=lambda a: ip_address(a))
        reach = {
            addr: owner
            for addr, owner in sorted(seg.owner.items())
            if owner != node and routing.reaches(node, addr)
        }
        nets = [a.network for a in r.attachments_of(node)]
        vantages[node] = Vantage(node, names, own, reach, nets)
    scopes: dict[str, list[str]] = {}
    for a in r.attachments:
        if not r.topology.networks[a.network].names or a.node in stopped:
            continue
        for name in dict.fromkeys((a.node, *a.aliases)):
            if a.network not in scopes.setdefault(name, []):
                scopes[name].append(a.network)

    def published(ports) -> list[PublishedPort]:
        return [
            PublishedPort(p.publisher, p.listen_host, p.listen_port, p.target_host, p.target_port)
            for p in ports
            if p.protocol == "tcp"
        ]

    world = World(vantages, published=published(kept_ports(r, stopped)), name_scopes=scopes)
    world.stopped = stopped
    world.withdrawn = {
        node: published(p for p in withdrawn_ports(r, stopped) if p.node == node) for node in stopped
    }
    world.withdrawn_names = {
        name: a.node
        for a in r.attachments
        if a.node in stopped and r.topology.networks[a.network].names
        for name in (a.node, *a.aliases)
    }
    return world
