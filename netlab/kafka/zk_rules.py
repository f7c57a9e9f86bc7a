"""ZooKeeper mode in `netlab predict` (brokers with zookeeper.connect; broker/zk/ is the live side).

What decides what a ZooKeeper-mode cluster looks like from outside:
- a broker is registered when it reaches a ZooKeeper of zookeeper.connect (a TCP link);
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

from .views import LISTENER, BrokerView, ListenerView, World, ZooKeeperView, land

LinkOk = Callable[[str, str], bool]  # (from node, host:port) -> does a broker's link get through?


def parse_connect(value: str | None) -> list[tuple[str, int]]:
    """zookeeper.connect: host:port[,host:port...][/chroot]; a missing port is 2181."""
    out = []
    for part in (value or "").split("/", 1)[0].split(","):
        part = part.strip()
        if not part:
            continue
        host, colon, port = part.rpartition(":")
        if not colon:
            host, port = part, "2181"
        try:
            out.append((host.strip("[]"), int(port)))
        except ValueError:
            continue
    return out


def zookeeper_views(topology) -> list[ZooKeeperView]:
    return [
        ZooKeeperView(node, spec.zookeeper.client_port_address or "", spec.zookeeper.client_port)
        for node, spec in topology.nodes.items()
        if spec.zookeeper is not None
    ]


def reaches_zookeeper(world: World, broker: BrokerView) -> bool:
    v = world.vantage(broker.node)
    for host, port in broker.zookeeper:
        for addr in v.resolve(host) or []:
            landing = land(world, broker.node, addr, port)
            if landing.kind == LISTENER and landing.listener is None:  # a ZooKeeper, not a Kafka listener
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
