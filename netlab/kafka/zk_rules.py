"""ZooKeeper mode in `netlab predict` (brokers with zookeeper.connect; broker/zk/ is the live side).

What decides what a ZooKeeper-mode cluster looks like from outside:
- a ZooKeeper of an ensemble serves only inside a quorum, a majority of its servers (apply_quorum);
- a broker is registered when it reaches a serving ZooKeeper of zookeeper.connect (a TCP link);
- one registered broker is the controller (the first to create /controller: we predict the first
  in the topology's order, which starts first); it connects to every registered broker, itself
  included, at that broker's advertised endpoint of inter.broker.listener.name;
- a broker's Metadata lists what the controller's UpdateMetadata told it: every registered broker,
  if the controller reached it; nobody, if it did not (Kafka's ZkMetadataCache is filled by
  UpdateMetadata only) - the seeds' `Controller 4's connection to broker ... was unsuccessful`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from netlab.topology.zookeeper_fields import WILDCARDS, ensemble_groups, server_tuples
from netlab.topology.zookeeper_fields import parse_connect as parse_connect  # zookeeper.connect, as validated

from .views import LISTENER, BrokerView, ListenerView, World, ZooKeeperView, land

LinkOk = Callable[[str, str], bool]  # (from node, host:port) -> does a broker's link get through?


def zookeeper_views(topology) -> list[ZooKeeperView]:
    out = []
    for node, spec in topology.nodes.items():
        z = spec.zookeeper
        if z is None:
            continue
        servers = server_tuples(z.servers) if z.ensemble else ()
        listen_all = z.settings.get("quorumListenOnAllIPs", "").strip().lower() == "true"
        out.append(
            ZooKeeperView(
                node, z.client_port_address or "", z.client_port, z.server_id, servers, listen_all=listen_all
            )
        )
    return out


def _peer_address(world: World, node: str, host: str, listen_all: bool = False) -> str | None:
    """Where a quorum peer binds its own quorum/election ports: the address its own server line
    resolves to in its node (ZooKeeper's default quorumListenOnAllIPs=false); 0.0.0.0 is every one,
    as is every line with quorumListenOnAllIPs=true (QuorumCnxManager binds the wildcard then)."""
    if listen_all:
        return "0.0.0.0"
    if host in WILDCARDS:
        return host
    addrs = world.vantage(node).resolve_ipv4(host) or []
    return addrs[0] if addrs else None


def _peer_reaches(world: World, a: ZooKeeperView, b: ZooKeeperView, port_of) -> bool:
    """Does member `a` get a connection to member `b` at b's line of a's server list?"""
    line_a = next((s for s in a.servers if s[0] == b.server_id), None)
    line_b = next((s for s in b.servers if s[0] == b.server_id), None)
    if line_a is None or line_b is None:
        return False
    bound = _peer_address(world, b.node, line_b[1], b.listen_all)
    if bound is None or port_of(line_a) != port_of(line_b):
        return False
    here = world.vantage(a.node)
    for addr in here.resolve_ipv4(line_a[1]) or []:
        target = a.node if here.owns(addr) else here.reach.get(addr)
        if target == b.node and (bound in ("0.0.0.0", "::") or bound == addr):
            return True
    return False


def apply_quorum(world: World) -> None:
    """Which ensemble members serve. ZooKeeper's FastLeaderElection keeps one connection per pair,
    opened by the higher server id (QuorumCnxManager drops one from a lower id and connects back),
    to the lower one's election port; followers then connect to the leader's quorum port. A leader
    needs a majority of the ensemble's voters (itself included: QuorumMaj); of the candidates the
    one with the most followers leads (ties: the highest id, as the vote compares ids last). The
    members outside its quorum, and every member when none has a majority, do not serve
    (ZooKeeper accepts the TCP connection, then closes it: "ZooKeeperServer not running")."""
    views = {z.node: z for z in world.zookeepers if z.servers}
    for group in ensemble_groups({n: (z.server_id, z.servers) for n, z in views.items()}):
        members = [views[n] for n in group]
        servers = members[0].servers
        majority = len(servers) // 2 + 1

        def election(a: ZooKeeperView, b: ZooKeeperView) -> bool:
            hi, lo = (a, b) if (a.server_id or 0) > (b.server_id or 0) else (b, a)
            return _peer_reaches(world, hi, lo, lambda line: line[3])

        best: list[ZooKeeperView] = []
        for leader in sorted(members, key=lambda z: z.server_id or 0):
            quorum = [leader] + [
                f
                for f in members
                if f is not leader and election(f, leader) and _peer_reaches(world, f, leader, lambda x: x[2])
            ]
            if len(quorum) >= len(best):
                best = quorum
        serving = {z.node for z in best} if len(best) >= majority else set()
        for z in members:
            world.zookeepers[world.zookeepers.index(z)] = replace(z, serving=z.node in serving)


def reaches_zookeeper(world: World, broker: BrokerView) -> bool:
    """Does the broker reach a ZooKeeper of zookeeper.connect that serves (kazoo, like Kafka's
    client, tries the listed servers in turn)? Worked out once per world (apply_reachability)."""
    if broker.zookeeper_reached is not None:
        return broker.zookeeper_reached
    v = world.vantage(broker.node)
    serving = {z.node for z in world.zookeepers if z.serving}
    for host, port in broker.zookeeper:
        for addr in v.resolve(host) or []:
            landing = land(world, broker.node, addr, port)
            # a ZooKeeper, not a Kafka listener
            if landing.kind == LISTENER and landing.listener is None and landing.node in serving:
                return True
    return False


ZK_TIMEOUT = (
    "kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection while in state: "
    "CONNECTING"
)


FIRST_AUTO_ID = 1001  # reserved.broker.max.id (1000) + the first /brokers/seqid version


def apply_reachability(world: World) -> None:
    """A ZooKeeper-mode broker that reaches none of its ZooKeepers exits at start, as Kafka does;
    one with broker.id unset gets 1001, 1002, ... from /brokers/seqid in the order brokers
    register (predicted: the topology's order; live, simultaneous starts may swap them)."""
    apply_quorum(world)
    for b in world.brokers:
        b.zookeeper_reached = None  # the ZooKeepers' quorum may have changed: ask again, once
        if b.zookeeper:
            b.zookeeper_reached = reaches_zookeeper(world, b)
    next_id = FIRST_AUTO_ID
    for b in world.brokers:
        if b.zookeeper and b.running and not reaches_zookeeper(world, b):
            b.start_error = ZK_TIMEOUT
        if b.zookeeper and b.running and b.node_id < 0:
            b.node_id = next_id
            b.listeners = [replace(lst, node_id=next_id) for lst in b.listeners]
            next_id += 1


def zk_brokers(world: World) -> list[BrokerView]:
    """Running ZooKeeper-mode brokers registered in ZooKeeper, in start (topology) order."""
    return [b for b in world.brokers if b.zookeeper and b.running and reaches_zookeeper(world, b)]


def controller(world: World) -> BrokerView | None:
    registered = zk_brokers(world)
    return registered[0] if registered else None


def inter_broker_endpoint(broker: BrokerView) -> str | None:
    lst = next((x for x in broker.listeners if x.name == broker.inter_broker_listener), None)
    if lst is None or lst.advertised_host is None:
        return None
    return f"{lst.advertised_host}:{lst.advertised_port}"


def controller_reaches(world: World, broker: BrokerView, link_ok: LinkOk) -> bool:
    c = controller(world)
    ep = inter_broker_endpoint(broker)
    return c is not None and ep is not None and link_ok(c.node, ep)


def metadata_brokers(
    world: World, broker: BrokerView, listener: ListenerView, link_ok: LinkOk
) -> list[BrokerView]:
    """The brokers `broker` lists (its UpdateMetadata), those without `listener` left out later."""
    if not controller_reaches(world, broker, link_ok):
        return []
    return zk_brokers(world)


def zookeeper_node(world: World, broker: BrokerView, host: str, port: int) -> str | None:
    """The node whose ZooKeeper `host:port` names from the broker's node (None: none there)."""
    v = world.vantage(broker.node)
    for addr in v.resolve(host) or []:
        landing = land(world, broker.node, addr, port)
        if landing.kind == LISTENER and landing.listener is None:
            return landing.node
    return None
