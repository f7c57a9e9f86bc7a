"""Whole-file rules of a topology, and everything the compiler needs decided up front.

`resolve(topology)` checks references (nodes, networks, interfaces), runs IPAM, picks default
interface names, bridge-side names and default routes, resolves published ports and tunnel
underlays, and returns a `Resolved` view. It raises `TopologyError(path, message)`; the loader
turns the path into ``file:line: dotted.path``. Pure and deterministic: declaration order of the
file decides every choice.
"""

from __future__ import annotations

import hashlib
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from netlab.ipam import IpamError, SubnetPool, first_host, pick_subnet
from netlab.topology.kafka_warnings import kafka_warnings
from netlab.topology.models import Topology, VethLink, VxlanLink
from netlab.topology.source import PathKey, dotted_path
from netlab.topology.view import (  # noqa: F401  (re-exported: the view is part of this API)
    Attach,
    Iface,
    Net,
    Publish,
    Resolved,
    RouteOut,
    TopologyError,
    TunnelEnd,
)

RESERVED_PROCESS_NAMES = ("port-proxy", "broker")
RESERVED_PROCESS_PREFIXES = ("tap-relay", "tun-relay")


def sysctl_interface(name: str) -> str | None:
    """The interface a per-interface sysctl names (net.ipv4.conf.eth0.rp_filter -> eth0), else None."""
    parts = name.split(".")
    if len(parts) >= 5 and parts[0] == "net" and parts[2] in ("conf", "neigh"):
        return ".".join(parts[3:-1])  # interface names may contain dots (flannel.1)
    return None


def short_name(prefix: str, *parts: str) -> str:
    """A deterministic interface name ≤ 15 chars: prefix + 10 hex digits of a hash."""
    digest = hashlib.sha1("\0".join(parts).encode()).hexdigest()
    return f"{prefix}{digest[:10]}"


def default_bridge_name(network: str) -> str:
    name = f"br-{network}"
    return name if len(name) <= 15 else short_name("br-", network)


class _Names:
    """Interface names per node, to refuse duplicates with the place of the first use."""

    def __init__(self) -> None:
        self.by_node: dict[str, dict[str, PathKey]] = {}

    def taken(self, node: str, name: str) -> bool:
        return name in self.by_node.get(node, {})

    def add(self, node: str, name: str, path: PathKey) -> None:
        names = self.by_node.setdefault(node, {})
        if name in names:
            raise TopologyError(
                path,
                f"interface {name!r} is already used in node {node!r} "
                f"(by {dotted_path(names[name])}); interface names must be unique within a node",
            )
        names[name] = path


def resolve(topology: Topology) -> Resolved:
    return _Resolver(topology).run()


class _Resolver:
    def __init__(self, topology: Topology):
        self.t = topology
        self.names = _Names()
        self.ifaces: dict[str, list[Iface]] = {n: [] for n in topology.nodes}
        self.addresses: dict[IPv4Address, PathKey] = {}
        self.requires: set[str] = {"netns"}
        self.notes: list[str] = []

    # ------------------------------------------------------------ helpers
    def _node(self, name: str, path: PathKey, what: str = "node") -> str:
        if name not in self.t.nodes:
            raise TopologyError(path, f"{what} {name!r} does not exist; nodes are: {', '.join(self.t.nodes)}")
        return name

    def _network(self, name: str, path: PathKey) -> str:
        if name not in self.t.networks:
            known = ", ".join(self.t.networks) or "(none defined under `networks:`)"
            raise TopologyError(path, f"network {name!r} does not exist; networks are: {known}")
        return name

    def _claim_address(self, address: IPv4Address, path: PathKey) -> None:
        if address in self.addresses:
            raise TopologyError(
                path, f"address {address} is already used by {dotted_path(self.addresses[address])}"
            )
        self.addresses[address] = path

    def _iface(
        self,
        node: str,
        name: str,
        kind: str,
        path: PathKey,
        address: IPv4Interface | None = None,
        network: str | None = None,
    ) -> None:
        self.names.add(node, name, path)
        self.ifaces[node].append(Iface(node, name, kind, address, network, path))

    # ------------------------------------------------------------ the passes
    def run(self) -> Resolved:
        networks = self._networks()
        self.nets = networks
        self._explicit_names()
        attachments = self._attachments(networks)
        self.attachments = attachments
        self.by_node: dict[str, list[Attach]] = {n: [] for n in self.t.nodes}
        for a in attachments:
            self.by_node[a.node].append(a)
        self._devices()
        self._links()
        vxlans, tunnels = self._tunnels()
        ports = self._ports()
        routes = self._routes()
        extra = self._extra_hosts()
        self._processes()
        self._kafka()
        self._features()
        return Resolved(
            self.t,
            networks,
            attachments,
            ports,
            self.ifaces,
            vxlans,
            tunnels,
            routes,
            extra,
            self.requires,
            self.notes,
        )

    def _networks(self) -> dict[str, Net]:
        nets: dict[str, Net] = {}
        declared = [(name, n.subnet) for name, n in self.t.networks.items() if n.subnet is not None]
        for i, (name, a) in enumerate(declared):
            for other, b in declared[:i]:
                if a.overlaps(b):
                    raise TopologyError(
                        ("networks", name, "subnet"),
                        f"{a} overlaps {b} of network {other!r}; networks need disjoint subnets",
                    )
        taken = [s for _, s in declared] + self._written_address_networks()
        for name, spec in self.t.networks.items():
            path = ("networks", name)
            holder = spec.node
            if holder not in self.t.nodes:
                hint = " (the default)" if "node" not in spec.model_fields_set else ""
                raise TopologyError(
                    path + ("node",) if "node" in spec.model_fields_set else path,
                    f"the bridge of network {name!r} is held by node {holder!r}{hint}, which does not "
                    f"exist; add it under `nodes:` or set networks.{name}.node to one of: "
                    f"{', '.join(self.t.nodes)}",
                )
            subnet = spec.subnet
            if subnet is None:
                try:
                    subnet = pick_subnet(taken)
                except IpamError as exc:
                    raise TopologyError(path, str(exc)) from None
                taken.append(subnet)
            if subnet.prefixlen > 30:
                raise TopologyError(
                    path + ("subnet",), f"{subnet} is too small for a network: use /30 or shorter"
                )
            if spec.gateway == "auto":
                gateway = first_host(subnet)
            else:
                gateway = spec.gateway
            nets[name] = Net(
                name,
                holder,
                spec.bridge or default_bridge_name(name),
                subnet,
                gateway,
                spec.default_route,
                spec.mtu,
            )
        self.pools: dict[str, SubnetPool] = {}
        for name, net in nets.items():
            try:
                self.pools[name] = SubnetPool(net.subnet, net.gateway)
            except IpamError as exc:
                raise TopologyError(("networks", name, "gateway"), str(exc)) from None
            if net.gateway is not None:
                self._claim_address(net.gateway, ("networks", name, "gateway"))
        return nets

    def _written_address_networks(self) -> list[IPv4Network]:
        """Subnets of addresses written on links and devices: auto subnets stay clear of them."""
        out = []
        for spec in self.t.nodes.values():
            for dev in (*spec.tuntap, *spec.vlans, *spec.bonds):
                if dev.address is not None:
                    out.append(dev.address.network)
        for link in self.t.links:
            out += [ep.address.network for ep in link.endpoints if ep.address is not None]
        return out

    def _explicit_names(self) -> None:
        """Every interface name the user wrote, so defaults (eth0, ...) can avoid them."""
        self.explicit: dict[str, set[str]] = {n: set() for n in self.t.nodes}
        for name, net in self.nets.items():
            self.explicit[net.node].add(net.bridge)
        for node, spec in self.t.nodes.items():
            for att in spec.networks.values():
                if att.interface:
                    self.explicit[node].add(att.interface)
            for dev in (*spec.tuntap, *spec.vlans, *spec.bonds):
                self.explicit[node].add(dev.name)
        for link in self.t.links:
            for ep in link.endpoints:
                if ep.node in self.explicit:
                    self.explicit[ep.node].add(ep.interface)

    def _attachments(self, nets: dict[str, Net]) -> list[Attach]:
        for name, net in nets.items():
            path = ("networks", name, "bridge") if self.t.networks[name].bridge else ("networks", name)
            addr = IPv4Interface(f"{net.gateway}/{net.subnet.prefixlen}") if net.gateway else None
            self._iface(net.node, net.bridge, "bridge", path, addr, name)
        out: list[Attach] = []
        for node, spec in self.t.nodes.items():
            next_eth = 0
            for netname, att in spec.networks.items():
                path = ("nodes", node, "networks", netname)
                self._network(netname, path)
                net = nets[netname]
                if net.node == node:
                    raise TopologyError(
                        path,
                        f"node {node!r} holds the bridge of network {netname!r}, so it is on "
                        f"that network through the bridge's gateway address; remove this entry",
                    )
                pool = self.pools[netname]
                if att.ipv4_address is not None:
                    try:
                        pool.reserve(att.ipv4_address, f"nodes.{node}")
                    except IpamError as exc:
                        raise TopologyError(path + ("ipv4_address",), str(exc)) from None
                    self._claim_address(att.ipv4_address, path + ("ipv4_address",))
                ifname = att.interface
                if ifname is None:
                    while f"eth{next_eth}" in self.explicit[node]:
                        next_eth += 1
                    ifname = f"eth{next_eth}"
                    next_eth += 1
                peer = att.peer_interface or short_name("v" if att.mode == "veth" else "t", node, netname)
                default_route = (
                    self.t.networks[netname].default_route if att.default_route is None else att.default_route
                )
                out.append(
                    Attach(
                        node,
                        netname,
                        ifname,
                        peer,
                        att.ipv4_address,
                        net.subnet.prefixlen,
                        list(att.aliases),
                        att.mode,
                        default_route,
                        path,
                    )
                )
        self._reserve_device_addresses()
        # Dynamic addresses after every static one is reserved (statics win, as in Docker).
        for a in out:
            if a.address is None:
                try:
                    a.address = self.pools[a.network].allocate(f"nodes.{a.node}")
                except IpamError as exc:
                    raise TopologyError(a.path, str(exc)) from None
                self._claim_address(a.address, a.path)
        for a in out:
            net = nets[a.network]
            ipath = a.path + ("interface",) if self.t.nodes[a.node].networks[a.network].interface else a.path
            self._iface(a.node, a.ifname, a.mode, ipath, IPv4Interface(a.cidr), a.network)
            ppath = (
                a.path + ("peer_interface",)
                if self.t.nodes[a.node].networks[a.network].peer_interface
                else a.path
            )
            self._iface(net.node, a.peer_ifname, a.mode, ppath, None, a.network)
            if a.mode == "tap":
                self.requires.add("tap")
                if net.mtu is not None:
                    self.notes.append(
                        f"networks.{net.name}.mtu applies to veths only; the TAPs of "
                        f"{a.node!r} keep the default MTU"
                    )
            else:
                self.requires.add("veth")
        if nets:
            self.requires.add("bridge")
        return out

    def _reserve_device_addresses(self) -> None:
        """Addresses written on links and devices that fall in a network's subnet are taken
        out of that network's pool, so IPAM never hands them out again."""
        explicit: list[tuple[IPv4Address, PathKey]] = []
        for node, spec in self.t.nodes.items():
            for kind in ("tuntap", "vlans", "bonds"):
                for i, dev in enumerate(getattr(spec, kind)):
                    if dev.address is not None:
                        explicit.append((dev.address.ip, ("nodes", node, kind, i, "address")))
        for i, link in enumerate(self.t.links):
            for j, ep in enumerate(link.endpoints):
                if ep.address is not None:
                    explicit.append((ep.address.ip, ("links", i, "endpoints", j, "address")))
        for address, path in explicit:
            for name, pool in self.pools.items():
                if address in pool.subnet:
                    try:
                        pool.reserve(address, dotted_path(path))
                    except IpamError as exc:
                        raise TopologyError(path, str(exc)) from None

    def _bridge_of(self, node: str, netname: str, path: PathKey) -> str:
        self._network(netname, path)
        net = self.nets[netname]
        if net.node != node:
            raise TopologyError(
                path,
                f"the bridge of network {netname!r} is in node {net.node!r}, not {node!r}; "
                f"a device can only join a bridge in its own node",
            )
        return net.bridge

    def _devices(self) -> None:
        for node, spec in self.t.nodes.items():
            for i, dev in enumerate(spec.tuntap):
                path = ("nodes", node, "tuntap", i)
                if dev.network is not None:
                    self._bridge_of(node, dev.network, path + ("network",))
                if dev.address is not None:
                    self._claim_address(dev.address.ip, path + ("address",))
                self._iface(node, dev.name, dev.mode, path + ("name",), dev.address, dev.network)
                self.requires.add(dev.mode)
            for kind, items in (("vlan", spec.vlans), ("bond", spec.bonds)):
                for i, dev in enumerate(items):
                    path = ("nodes", node, f"{kind}s", i)
                    if dev.address is not None:
                        self._claim_address(dev.address.ip, path + ("address",))
                    self._iface(node, dev.name, kind, path + ("name",), dev.address)
                    self.requires.add(kind)
                    self.notes.append(
                        f"{kind} {node}:{dev.name} needs the kernel's {kind} support; "
                        f"this version checks for it but has no step that builds it yet"
                    )

    def _links(self) -> None:
        for i, link in enumerate(self.t.links):
            path = ("links", i)
            ends = link.endpoints
            for j, ep in enumerate(ends):
                self._node(ep.node, path + ("endpoints", j, "node"))
            if link.type != "veth" and ends[0].node == ends[1].node:
                raise TopologyError(
                    path + ("endpoints",),
                    f"a {link.type} link joins two different nodes; both endpoints are in {ends[0].node!r}",
                )
            for j, ep in enumerate(ends):
                if ep.address is not None:
                    self._claim_address(ep.address.ip, path + ("endpoints", j, "address"))
            if isinstance(link, VethLink):
                a, b = ends
                if a.address and b.address and b.address.ip not in a.address.network:
                    self.notes.append(
                        f"link {a.node}:{a.interface}--{b.node}:{b.interface}: "
                        f"{a.address} and {b.address} are on different subnets"
                    )
                for j, ep in enumerate(ends):
                    self._iface(
                        ep.node, ep.interface, "veth", path + ("endpoints", j, "interface"), ep.address
                    )
                self.requires.add("veth")
                if link.netem is not None:
                    self.requires.add("netem")
                    self.notes.append(
                        f"link {a.node}:{a.interface}--{b.node}:{b.interface} asks for netem "
                        f"(delay/loss); this version checks for it but has no step that applies it yet"
                    )
                if link.rate is not None:
                    self.requires.add("tbf")
                    self.notes.append(
                        f"link {a.node}:{a.interface}--{b.node}:{b.interface} asks for a rate "
                        f"limit (tbf); this version checks for it but has no step that applies it yet"
                    )
            # vxlan/tun devices are registered in _tunnels, once their underlay is known.

    def _node_addresses(self, node: str) -> dict[IPv4Address, str]:
        return {i.address.ip: i.name for i in self.ifaces[node] if i.address is not None}

    def _local(self, i: int, j: int) -> tuple[IPv4Address, str | None]:
        """Underlay address (and its interface) of endpoint j of links[i]."""
        link = self.t.links[i]
        ep = link.endpoints[j]
        path = ("links", i, "endpoints", j)
        addrs = self._node_addresses(ep.node)
        if ep.local is not None:
            if ep.local not in addrs:
                known = ", ".join(str(a) for a in addrs) or "none"
                raise TopologyError(
                    path + ("local",),
                    f"{ep.local} is not an address of node {ep.node!r} (its addresses: {known})",
                )
            return ep.local, addrs[ep.local]
        if link.underlay is None:
            raise TopologyError(
                path,
                f"the underlay address of {ep.node!r} is unknown: set `underlay: <network>` "
                f"on the link or `local: <address>` on this endpoint",
            )
        lpath = ("links", i, "underlay")
        self._network(link.underlay, lpath)
        net = self.nets[link.underlay]
        if net.node == ep.node:
            if net.gateway is None:
                raise TopologyError(
                    lpath,
                    f"node {ep.node!r} holds the bridge of {link.underlay!r}, which has no "
                    f"gateway address to use as underlay; set `local:` on the endpoint",
                )
            return net.gateway, net.bridge
        for a in self.by_node[ep.node]:
            if a.network == link.underlay:
                return a.address, a.ifname
        raise TopologyError(
            lpath,
            f"node {ep.node!r} is not on underlay network {link.underlay!r}; attach it "
            f"or set `local:` on its endpoint",
        )

    def _tunnels(self):
        vxlans, tunnels = [], []
        used_ports: dict[tuple[str, str, int], PathKey] = {}
        for i, link in enumerate(self.t.links):
            if isinstance(link, VethLink):
                continue
            locals_ = [self._local(i, 0), self._local(i, 1)]
            ends = []
            for j, ep in enumerate(link.endpoints):
                path = ("links", i, "endpoints", j)
                (local, dev), (peer, _) = locals_[j], locals_[1 - j]
                master = None
                if isinstance(link, VxlanLink):
                    if ep.network is not None:
                        master = self._bridge_of(ep.node, ep.network, path + ("network",))
                        mtu = self.nets[ep.network].mtu
                        if mtu is None or mtu > 1450:
                            self.notes.append(
                                f"VXLAN {ep.node}:{ep.interface} is a port of {master!r}; its 50 bytes of "
                                f"encapsulation make frames over 1450 bytes from a 1500-byte underlay vanish: "
                                f"set networks.{ep.network}.mtu: 1450 (as Docker's overlay networks do)"
                            )
                    key = (ep.node, f"vxlan vni {link.vni}", link.port)
                else:
                    key = (ep.node, f"udp {local}", link.port)
                if key in used_ports:
                    raise TopologyError(
                        path,
                        f"node {ep.node!r} already has a tunnel on {key[1]} port {link.port} "
                        f"({dotted_path(used_ports[key])}); use another port or vni",
                    )
                used_ports[key] = path
                self._iface(
                    ep.node,
                    ep.interface,
                    link.type,
                    path + ("interface",),
                    ep.address,
                    ep.network if isinstance(link, VxlanLink) else None,
                )
                ends.append(TunnelEnd(ep.node, ep.interface, ep.address, local, peer, link.port, dev, master))
            (vxlans if isinstance(link, VxlanLink) else tunnels).append((link, ends[0], ends[1]))
            self.requires.add(link.type)
        return vxlans, tunnels

    def _ports(self) -> list[Publish]:
        out: list[Publish] = []
        bound: dict[tuple[str, str, int], tuple[str, PathKey]] = {}
        for node, spec in self.t.nodes.items():
            mine = self.by_node[node]
            for i, port in enumerate(spec.ports):
                path = ("nodes", node, "ports", i)
                if port.network is not None:
                    att = next((a for a in mine if a.network == port.network), None)
                    if att is None:
                        raise TopologyError(
                            path + ("network",),
                            f"node {node!r} is not on network {port.network!r}; "
                            f"its networks: {', '.join(a.network for a in mine) or 'none'}",
                        )
                elif mine:
                    att = mine[0]
                else:
                    raise TopologyError(
                        path,
                        f"node {node!r} publishes a port but is on no network; a port is "
                        f"published by the node holding the bridge of one of its networks",
                    )
                net = self.nets[att.network]
                if net.gateway is None:
                    raise TopologyError(
                        path,
                        f"network {net.name!r} has no gateway, so its bridge node {net.node!r} "
                        f"has no address to forward from; give the network a gateway",
                    )
                # no host_ip: Docker's default publish, on every address of both families
                # (docker-proxy on 0.0.0.0 and on [::]), so `localhost` (::1 first) works too
                listen = str(port.host_ip) if port.host_ip is not None else "::"
                if listen not in ("0.0.0.0", "::") and not IPv4Address(listen).is_loopback:
                    valid = sorted(str(a) for a in self._node_addresses(net.node))
                    if IPv4Address(listen) not in self._node_addresses(net.node):
                        raise TopologyError(
                            path,
                            f"{listen} is not an address of the publishing node {net.node!r}; "
                            f"valid: 0.0.0.0, 127.0.0.1, {', '.join(valid)}",
                        )
                conflict = next(
                    (
                        v
                        for (pub, proto, num, _), v in bound.items()
                        if pub == net.node
                        and proto == port.protocol
                        and num == port.published
                        and (v[0] == listen or bool({"0.0.0.0", "::"} & {v[0], listen}))
                    ),
                    None,
                )
                if conflict is not None:
                    raise TopologyError(
                        path,
                        f"{port.protocol} port {port.published} on node {net.node!r} is already "
                        f"published by {dotted_path(conflict[1])}; pick another host port",
                    )
                bound[(net.node, port.protocol, port.published, listen)] = (listen, path)
                out.append(
                    Publish(
                        node,
                        net.node,
                        net.name,
                        port.protocol,
                        listen,
                        port.published,
                        str(att.address),
                        port.target,
                        path,
                    )
                )
        return out

    def _routes(self) -> dict[str, list[RouteOut]]:
        routes: dict[str, list[RouteOut]] = {}
        owner_of: dict[IPv4Address, str] = {}
        for node, ifs in self.ifaces.items():
            for i in ifs:
                if i.address is not None:
                    owner_of[i.address.ip] = node
        for node, spec in self.t.nodes.items():
            out: list[RouteOut] = []
            ifs = self.ifaces[node]
            subnets = [i.address.network for i in ifs if i.address is not None]
            names = [i.name for i in ifs]
            seen: dict[str, PathKey] = {}
            for i, r in enumerate(spec.routes):
                path = ("nodes", node, "routes", i)
                if r.to in seen:
                    raise TopologyError(
                        path + ("to",),
                        f"node {node!r} already has a route to {r.to} ({dotted_path(seen[r.to])})",
                    )
                seen[r.to] = path
                if r.to in {str(net) for net in subnets}:
                    raise TopologyError(
                        path + ("to",),
                        f"{r.to} is directly connected in node {node!r} (the kernel "
                        f"adds that route with the address); remove this route",
                    )
                if r.dev is not None and r.dev not in names:
                    raise TopologyError(
                        path + ("dev",),
                        f"node {node!r} has no interface {r.dev!r}; "
                        f"its interfaces: {', '.join(names) or 'none'}",
                    )
                if r.via is not None:
                    if not any(r.via in s for s in subnets):
                        raise TopologyError(
                            path + ("via",),
                            f"next hop {r.via} is not on a subnet node {node!r} is "
                            f"attached to ({', '.join(map(str, subnets)) or 'none'})",
                        )
                    hop = owner_of.get(r.via)
                    if hop is not None and hop != node:
                        hop_sysctls = self.t.nodes[hop].sysctls
                        if "1" not in (
                            hop_sysctls.get("net.ipv4.ip_forward"),
                            hop_sysctls.get("net.ipv4.conf.all.forwarding"),
                        ):
                            self.notes.append(
                                f"node {hop!r} is the next hop of a route in {node!r} but does not "
                                f"set net.ipv4.ip_forward=1, so it will not forward"
                            )
                out.append(RouteOut(r.to, str(r.via) if r.via else None, r.dev, False))
            if "default" not in seen:
                for a in self.by_node[node]:
                    if a.default_route and self.nets[a.network].gateway is not None:
                        out.insert(0, RouteOut("default", str(self.nets[a.network].gateway), a.ifname, True))
                        break
            routes[node] = out
        return routes

    def _extra_hosts(self) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        for node, spec in self.t.nodes.items():
            entries = []
            for i, eh in enumerate(spec.extra_hosts):
                address = eh.address
                if address == "host-gateway":
                    gw = next(
                        (
                            self.nets[a.network].gateway
                            for a in self.by_node[node]
                            if self.nets[a.network].gateway is not None
                        ),
                        None,
                    )
                    if gw is None:
                        raise TopologyError(
                            ("nodes", node, "extra_hosts", i),
                            f"host-gateway means the gateway of the node's network, but node "
                            f"{node!r} is on no network with a gateway; give an address instead",
                        )
                    address = str(gw)
                entries.append((address, eh.name))
            out[node] = entries
        return out

    def _processes(self) -> None:
        for node, spec in self.t.nodes.items():
            seen: dict[str, int] = {}
            for i, p in enumerate(spec.processes):
                path = ("nodes", node, "processes", i)
                name = p.effective_name
                if name in RESERVED_PROCESS_NAMES or name.startswith(RESERVED_PROCESS_PREFIXES):
                    raise TopologyError(
                        path + ("name",) if p.name else path,
                        f"process name {name!r} is reserved for netlab's own relays; set another `name`",
                    )
                if name in seen:
                    raise TopologyError(
                        path + ("name",) if p.name else path,
                        f"node {node!r} already has a process named {name!r} "
                        f"(processes[{seen[name]}]); give each a unique `name`",
                    )
                seen[name] = i

    def _kafka(self) -> None:
        """`clients:` and `expect:` name nodes that exist (and brokers that are declared)."""
        brokers = [n for n, spec in self.t.nodes.items() if spec.broker is not None]
        self.notes.extend(kafka_warnings(self.t))
        for i, c in enumerate(self.t.clients):
            self._node(c.node, ("clients", i, "node"))
        for node in self.t.expect.brokers:
            path = ("expect", "brokers", node)
            self._node(node, path)
            if node not in brokers:
                raise TopologyError(
                    path, f"node {node!r} has no `broker:` block; brokers are: {', '.join(brokers) or 'none'}"
                )
        if isinstance(self.t.expect.links, list):
            seen: dict[tuple[str, str], int] = {}
            for i, link in enumerate(self.t.expect.links):
                path = ("expect", "links", i)
                self._node(link.from_, path + ("from",))
                if link.from_ not in brokers:
                    raise TopologyError(
                        path + ("from",),
                        f"node {link.from_!r} runs no broker; links start at a "
                        f"broker: {', '.join(brokers) or 'none'}",
                    )
                if (link.from_, link.to) in seen:
                    raise TopologyError(
                        path,
                        f"link {link.from_} -> {link.to} is already expected at "
                        f"expect.links[{seen[(link.from_, link.to)]}]",
                    )
                seen[(link.from_, link.to)] = i

    def _features(self) -> None:
        for node, spec in self.t.nodes.items():
            names = {i.name for i in self.ifaces[node]}
            for key in spec.sysctls:
                dev = sysctl_interface(key)
                if dev is not None and dev not in names and dev not in ("all", "default", "lo"):
                    raise TopologyError(
                        ("nodes", node, "sysctls", key),
                        f"node {node!r} has no interface {dev!r} for this sysctl; use all, default, "
                        f"lo or one of: {', '.join(sorted(names)) or 'none'}",
                    )
            for kind, items in (("vlans", spec.vlans), ("bonds", spec.bonds)):
                for i, dev in enumerate(items):
                    parents = [dev.parent] if kind == "vlans" else dev.members
                    for p in parents:
                        if p not in names:
                            field_ = "parent" if kind == "vlans" else "members"
                            raise TopologyError(
                                ("nodes", node, kind, i, field_),
                                f"node {node!r} has no interface {p!r}; its interfaces: "
                                f"{', '.join(sorted(names)) or 'none'}",
                            )
