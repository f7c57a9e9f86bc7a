"""What netlab knows about a lab, as small dataclasses the predictor and explain() read.

The next session fills these from the topology (and from the running lab for `check`):

- a `Vantage` per node: the names its hosts file resolves, its own addresses, and which foreign
  addresses it can reach (and on which node each lands);
- a `ListenerView` per broker listener: bind host/port, advertised host/port, protocol;
- a `PublishedPort` per published port (a port proxy on the publishing node, as docker-proxy);
- `name_scopes`: on which networks each name resolves (for sentences such as "it resolves only on
  network kafka-net").

`land()` follows a TCP connection from a vantage to where it ends: a listener, a refusal, a
published port whose target refuses, or no route.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import lru_cache

WILDCARDS = ("", "0.0.0.0", "::")


@lru_cache(maxsize=4096)  # pure, and asked thousands of times per predict (compose fixes)
def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def is_ipv6(addr: str) -> bool:
    return ":" in addr


def accepts(bind_host: str, addr: str) -> bool:
    """Does a socket bound to `bind_host` (a wildcard) take connections to `addr`? 0.0.0.0 is
    IPv4 only (as our broker and netlab's port proxy bind it); "::" is dual-stack, and so is a
    Kafka listener with an empty host (Java binds its wildcard, [::], with IPv4 mapped)."""
    if bind_host in ("::", ""):
        return True
    return not is_ipv6(addr)


def gai_order(addrs: list[str]) -> list[str]:
    """getaddrinfo's order for what a hosts file gives (RFC 6724 as glibc applies it): ::1 is
    preferred over 127.0.0.1; otherwise the file's order."""
    if "::1" in addrs and any(a.startswith("127.") for a in addrs):
        return ["::1"] + [a for a in addrs if a != "::1"]
    return list(addrs)


@lru_cache(maxsize=4096)
def is_loopback(addr: str) -> bool:
    try:
        return ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ListenerView:
    broker: str  # the node the broker runs in
    node_id: int
    name: str  # listener name, upper case (INTERNAL)
    bind_host: str  # as configured: "" and 0.0.0.0 mean every address of the node
    bind_port: int
    advertised_host: str | None = None  # None: not advertised (a KRaft controller listener)
    advertised_port: int | None = None
    protocol: str = "PLAINTEXT"

    @property
    def advertised(self) -> str | None:
        return None if self.advertised_host is None else f"{self.advertised_host}:{self.advertised_port}"

    @property
    def bind(self) -> str:
        return f"{self.bind_host}:{self.bind_port}"

    def describe(self) -> str:
        return f"listener {self.name} on {self.broker}"


@dataclass(frozen=True)
class PublishedPort:
    node: str  # the publishing node (the one holding the bridge, normally host)
    listen_host: str  # "0.0.0.0" = every address of that node, loopback included
    listen_port: int
    target_host: str  # the container's address
    target_port: int

    def describe(self) -> str:
        return f"{self.listen_port}->{self.target_host}:{self.target_port} published on {self.node}"


@dataclass
class Vantage:
    node: str
    names: dict[str, list[str]] = field(default_factory=dict)  # the node's hosts file: name -> addresses
    addresses: list[str] = field(default_factory=list)  # its own addresses (loopback is implied)
    reach: dict[str, str] = field(default_factory=dict)  # foreign address -> node it lands on
    networks: list[str] = field(default_factory=list)  # networks the node is attached to

    def resolve(self, host: str) -> list[str] | None:
        """As glibc with `hosts: files`: literals as they are, names from the hosts file only."""
        if is_ip(host):
            return [host]
        if host == "localhost" and "localhost" not in self.names:
            return ["127.0.0.1"]
        return gai_order(self.names.get(host) or []) or None

    def resolve_ipv4(self, host: str) -> list[str] | None:
        """What a Kafka listener host binds: the IPv4 addresses of the name (as Java and our broker)."""
        return [a for a in self.resolve(host) or [] if not is_ipv6(a)] or None

    def owns(self, addr: str) -> bool:
        return is_loopback(addr) or addr in self.addresses


@dataclass
class BrokerView:
    node: str
    node_id: int
    listeners: list[ListenerView]
    inter_broker_listener: str | None = None
    controller_listeners: list[str] = field(default_factory=list)
    voters: dict[int, tuple[str, int]] = field(default_factory=dict)  # KRaft controller.quorum.voters
    # controller.quorum.bootstrap.servers, in order: with no voters, the broker learns them there
    controller_bootstrap: list[tuple[str, int]] = field(default_factory=list)
    start_error: str | None = None  # Kafka's message when the broker does not start
    cluster_id: str | None = None  # cluster.id (None: the node makes up a random one)
    zookeeper: list[tuple[str, int]] = field(default_factory=list)  # zookeeper.connect (ZooKeeper mode)
    zookeeper_reached: bool | None = None  # zk_rules.apply_reachability's answer, kept (asked often)

    @property
    def running(self) -> bool:
        return self.start_error is None


@dataclass(frozen=True)
class ZooKeeperView:
    """A ZooKeeper server in a node (a topology `zookeeper:` block)."""

    node: str
    bind_host: str  # clientPortAddress, "" = every address
    port: int
    server_id: int | None = None  # myid, in an ensemble
    servers: tuple[
        tuple[int, str, int, int], ...
    ] = ()  # the ensemble: (id, host, quorum port, election port)
    serving: bool = True  # an ensemble member serves only inside a quorum (zk_rules.apply_quorum)
    listen_all: bool = False  # quorumListenOnAllIPs=true: quorum/election ports on every address


@dataclass
class World:
    vantages: dict[str, Vantage]
    brokers: list[BrokerView] = field(default_factory=list)
    published: list[PublishedPort] = field(default_factory=list)
    name_scopes: dict[str, list[str]] = field(default_factory=dict)  # name -> networks it resolves on
    zookeepers: list[ZooKeeperView] = field(default_factory=list)
    # stopped containers (netlab/containers.py): node -> Kafka's error; what Docker withdrew
    stopped: dict[str, str] = field(default_factory=dict)
    withdrawn: dict[str, list[PublishedPort]] = field(default_factory=dict)  # node -> its ports
    withdrawn_names: dict[str, str] = field(default_factory=dict)  # name or alias -> node

    def vantage(self, node: str) -> Vantage:
        try:
            return self.vantages[node]
        except KeyError:
            raise KeyError(
                f"no vantage for node {node!r}; known: {', '.join(sorted(self.vantages))}"
            ) from None

    def broker(self, node_id: int) -> BrokerView | None:
        return next((b for b in self.brokers if b.node_id == node_id), None)


# --- where a TCP connection ends ---

LISTENER, REFUSED, DEAD_FORWARD, UNREACHABLE = "listener", "refused", "dead_forward", "unreachable"


@dataclass
class Landing:
    kind: str  # LISTENER, REFUSED, DEAD_FORWARD (accepted by a port proxy whose target refuses), UNREACHABLE
    node: str | None  # the node the connection reached
    address: str
    port: int
    listener: ListenerView | None = None
    via: list[PublishedPort] = field(default_factory=list)  # published ports passed through
    bound_elsewhere: list[ListenerView] = field(default_factory=list)  # same port, other address


def _binds(listener: ListenerView, addr: str, own_addrs: list[str], bind_addrs: dict[str, list[str]]) -> bool:
    """Does a listener bound as configured accept connections to `addr` on its node?"""
    host = listener.bind_host
    if host in WILDCARDS:
        return accepts(host, addr)
    return addr in bind_addrs.get(host, [host])


def land(world: World, node: str, addr: str, port: int, _depth: int = 0) -> Landing:
    """Follow a connection from `node` to addr:port (addr already resolved)."""
    here = world.vantage(node)
    target = node if here.owns(addr) else here.reach.get(addr)
    if target is None:
        return Landing(UNREACHABLE, None, addr, port)
    there = world.vantage(target)
    same_port: list[ListenerView] = []
    for b in world.brokers:
        if b.node != target or not b.running:
            continue
        for lst in b.listeners:
            if lst.bind_port != port:
                continue
            bind_addrs = (
                {lst.bind_host: (there.resolve_ipv4(lst.bind_host) or [])[:1]}
                if lst.bind_host not in WILDCARDS
                else {}
            )
            if _binds(lst, addr, there.addresses, bind_addrs):
                return Landing(LISTENER, target, addr, port, lst)
            same_port.append(lst)
    for z in world.zookeepers:  # a ZooKeeper server: a listener, but not a Kafka one
        if (
            z.node == target
            and z.port == port
            and (accepts(z.bind_host, addr) if z.bind_host in WILDCARDS else z.bind_host == addr)
        ):
            return Landing(LISTENER, target, addr, port)
    if _depth < 4:
        for fwd in world.published:
            wild = fwd.listen_host in WILDCARDS and accepts(fwd.listen_host, addr)
            if fwd.node == target and fwd.listen_port == port and (wild or fwd.listen_host == addr):
                inner = land(world, target, fwd.target_host, fwd.target_port, _depth + 1)
                inner.via.insert(0, fwd)
                if inner.kind != LISTENER:
                    inner.kind = DEAD_FORWARD  # the proxy accepted, then closed: its target refused
                return inner
    return Landing(REFUSED, target, addr, port, bound_elsewhere=same_port)


def world_from_networks(
    networks: dict[str, dict[str, str]],
    *,
    dns: set[str] | None = None,
    published: list[PublishedPort] | None = None,
    extra_names: dict[str, dict[str, str]] | None = None,
) -> World:
    """A World for flat pictures: `networks` maps network -> {node: address}; nodes on a common
    network reach each other's addresses there (no routing between networks). On networks in
    `dns` (Docker's user-defined networks) node names resolve to their address on that network
    for the nodes attached to it. `extra_names` adds hosts-file lines per node (extra_hosts).
    Brokers are added afterwards (predict_rules.broker_view)."""
    dns = set(networks) if dns is None else dns
    nodes = sorted({n for members in networks.values() for n in members} | set(extra_names or {}))
    vs = {n: Vantage(n) for n in nodes}
    scopes: dict[str, list[str]] = {}
    for net, members in networks.items():
        for node, addr in members.items():
            v = vs[node]
            v.addresses.append(addr)
            v.networks.append(net)
            for other, other_addr in members.items():
                if other != node:
                    v.reach[other_addr] = other
                if net in dns:
                    v.names.setdefault(other, []).append(other_addr)
            if net in dns:
                scopes.setdefault(node, []).append(net)
    for node, names in (extra_names or {}).items():
        for name, addr in names.items():
            vs[node].names[name] = [addr]
    return World(vs, published=list(published or []), name_scopes=scopes)
