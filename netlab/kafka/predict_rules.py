"""The static side of `netlab check`: the same verdicts computed from what the topology says,
with no root and no kernel.

- `broker_view()` applies Kafka's config validation (config_rules) and binding rules to one
  broker in its node: a listener host that does not resolve there → `Unresolved address`; one
  that is not an address of the node → `Cannot assign requested address`; a port taken on the
  same address → `Address already in use`.
- `predict_probe()` walks the stages of the live probe (probe.py) through a `World` (views.py)
  and returns the same `ProbeResult` shape, so explain() turns either into a Verdict and the two
  can be compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from broker.config import ConfigException, KafkaConfig, RequirementFailed, UnsupportedConfig

from .config_rules import BIND_EXCEPTION, Finding, listener_config
from .probe import HostPort, parse_host_port
from .quorum_rules import learnt_voters, parse_bootstrap_controllers, reaches_active_controller
from .results import (
    ADVERTISED_API_VERSIONS,
    ADVERTISED_CONNECT,
    ADVERTISED_RESOLVE,
    API_VERSIONS,
    CONNECT,
    METADATA,
    RESOLVE,
    AdvertisedBroker,
    ProbeResult,
    Stage,
)
from .views import (
    DEAD_FORWARD,
    LISTENER,
    REFUSED,
    UNREACHABLE,
    WILDCARDS,
    BrokerView,
    Landing,
    ListenerView,
    PublishedPort,
    Vantage,
    World,
    land,
)
from .zk_rules import metadata_brokers, parse_connect, reaches_zookeeper

NOT_KNOWN = "Name or service not known"  # glibc, hosts: files, no such name
REFUSED_TEXT = "Connection refused"
UNREACHABLE_TEXT = "Network is unreachable"
CLOSED_TEXT = "not a Kafka answer: connection closed by the peer"


def broker_refusal(props: Mapping[str, str]) -> str | None:
    """Every reason our broker refuses to start with these properties, from its own code
    (broker/config.py: KafkaConfig's validation, then unsupported_reasons), as the line its log
    prints under `Exiting Kafka due to fatal exception` (broker/main.py); None if it starts."""
    try:
        config = KafkaConfig(props)
    except (ConfigException, RequirementFailed) as exc:
        return f"{exc.java_class}: {exc}"
    reasons = config.unsupported_reasons()
    if reasons:
        return f"{UnsupportedConfig.java_class}: {'; '.join(reasons)}"
    return None


def bind_error(listener: ListenerView, node: Vantage, taken: set[tuple[str, int]]) -> Finding | None:
    """Kafka's SocketServer bind outcome for one listener inside its node (None = it binds).
    Messages show the host as configured (Java's InetSocketAddress.getHostString)."""
    host, port = listener.bind_host, listener.bind_port
    shown = host or "0.0.0.0"
    if host in WILDCARDS:
        addr = "0.0.0.0"  # an empty host binds [::] dual-stack: it takes the IPv4 port as well
    else:
        addrs = node.resolve_ipv4(host)
        if not addrs:
            return Finding(
                BIND_EXCEPTION, f"Socket server failed to bind to {host}:{port}: Unresolved address."
            )
        addr = addrs[0]
        if not node.owns(addr):
            return Finding(
                BIND_EXCEPTION,
                f"Socket server failed to bind to {shown}:{port}: Cannot assign requested address.",
            )
    clash = port != 0 and (
        (addr, port) in taken
        or ("0.0.0.0", port) in taken
        or (addr == "0.0.0.0" and any(p == port for _, p in taken))
    )
    if clash:
        return Finding(
            BIND_EXCEPTION, f"Socket server failed to bind to {shown}:{port}: Address already in use."
        )
    taken.add((addr, port))
    return None


def broker_view(
    node: str,
    props: Mapping[str, str],
    world_node: Vantage,
    *,
    hostname: str | None = None,
    taken: set[tuple[str, int]] | None = None,
) -> BrokerView:
    """A broker as it would come up in `node`: its listeners, or the message it exits with.
    `taken` holds (address, port) pairs already bound in that node (other brokers, port proxies)."""
    cfg, finding = listener_config(props)
    if cfg is None:
        return BrokerView(node, -1, [], start_error=finding.text if finding else "invalid listeners")
    adv = {e.name: e for e in cfg.advertised}
    views = []
    for e in cfg.listeners:
        a = adv.get(e.name)
        a_host = None if a is None else (a.host or hostname or node)  # empty host: the node's hostname
        views.append(
            ListenerView(
                node,
                cfg.node_id,
                e.name,
                e.host,
                e.port,
                a_host,
                None if a is None else a.port,
                cfg.protocol_map[e.name],
            )
        )
    view = BrokerView(
        node,
        cfg.node_id,
        views,
        cfg.inter_broker_listener,
        cfg.controller_listeners,
        cfg.voters,
        cluster_id=(props.get("cluster.id") or "").strip() or None,
    )
    view.controller_bootstrap = parse_bootstrap_controllers(props.get("controller.quorum.bootstrap.servers"))
    if not props.get("process.roles"):  # ZooKeeper mode (zk_rules.py)
        view.zookeeper = parse_connect(props.get("zookeeper.connect"))
    taken = set() if taken is None else taken
    for lst in views:
        err = bind_error(lst, world_node, taken)
        if err is not None:
            view.start_error = err.text
            break
    return view


# --- the client's path, stage by stage ---


def _resolve(v: Vantage, hp: HostPort, stage: str) -> tuple[Stage, list[str]]:
    addrs = v.resolve(hp.host)
    if not addrs:
        return Stage(stage, str(hp), False, NOT_KNOWN), []
    return Stage(stage, str(hp), True, None, 0.0, {"addresses": addrs}), addrs


def _connect(
    world: World, v: Vantage, hp: HostPort, addrs: list[str], stage: str
) -> tuple[Stage, Landing | None]:
    landing: Landing | None = None
    tried: list[dict] = []
    for addr in addrs:  # clients try the addresses in order
        landing = land(world, v.node, addr, hp.port)
        if landing.kind in (LISTENER, DEAD_FORWARD):
            return Stage(
                stage, str(hp), True, None, 0.0, {"address": addr, "tried": tried, "landing": _where(landing)}
            ), landing
        tried.append(
            {"address": addr, "error": UNREACHABLE_TEXT if landing.kind == UNREACHABLE else REFUSED_TEXT}
        )
    where = _where(landing) if landing is not None else None
    return Stage(stage, str(hp), False, tried[-1]["error"], 0.0, {"tried": tried, "landing": where}), landing


def _where(landing: Landing) -> str:
    if landing.listener is not None:
        return f"{landing.listener.name}@{landing.listener.broker}"
    return f"{landing.kind}@{landing.node or '-'}"


def _api_versions(hp: HostPort, landing: Landing, stage: str) -> Stage:
    if landing.kind == LISTENER and landing.listener is None:  # a ZooKeeper closes on a Kafka request
        return Stage(stage, str(hp), False, CLOSED_TEXT)
    if landing.kind == DEAD_FORWARD:
        return Stage(stage, str(hp), False, CLOSED_TEXT, 0.0, {"via": [p.describe() for p in landing.via]})
    return Stage(stage, str(hp), True)


def registered(world: World, broker: BrokerView) -> bool:
    """Is the broker in the cluster's metadata? A KRaft node that is not a voter (process.roles=
    broker) is listed only once it registered with a controller, which needs a running voter's
    controller endpoint reachable from its node; a voter (combined node) registers itself, and a
    broker outside KRaft is listed by itself. With several voters every broker, combined or not,
    registers with the elected leader (quorum_rules)."""
    if broker.zookeeper:  # ZooKeeper mode: registered in ZooKeeper
        return reaches_zookeeper(world, broker)
    if not broker.voters and broker.controller_bootstrap:  # learns the voters first (quorum_rules)
        voters = learnt_voters(world, broker)
        if voters is None:
            return False  # it retries its bootstrap servers forever and never registers
        broker = replace(broker, voters=voters)
    if len(broker.voters) > 1:
        return reaches_active_controller(
            world, broker, lambda node, ep: predict_probe(world, node, ep, link=True).ok
        )
    if not broker.voters or broker.node_id in broker.voters:
        return True
    for vid, (host, port) in broker.voters.items():
        voter = world.broker(vid)
        if (
            voter is not None
            and voter.running
            # the controller rejects a registration whose cluster id is not its own; a node with
            # no cluster.id makes up a random one (broker/node.py), as an unformatted Kafka can't
            and broker.cluster_id is not None
            and broker.cluster_id == voter.cluster_id
            and predict_probe(world, broker.node, f"{host}:{port}", link=True).ok
        ):
            return True
    return False


def advertised_brokers(world: World, listener: ListenerView) -> list[AdvertisedBroker]:
    """Metadata from a listener: every running, registered broker's advertised endpoint for the
    same listener name; brokers without it are left out."""
    out = []
    for b in sorted(world.brokers, key=lambda b: b.node_id):
        if not b.running or not registered(world, b):
            continue
        for lst in b.listeners:
            if lst.name == listener.name and lst.advertised_host is not None and lst.advertised_port:
                out.append(AdvertisedBroker(b.node_id, lst.advertised_host, lst.advertised_port))
    return out


def predict_probe(world: World, node: str, bootstrap: str | HostPort, *, link: bool = False) -> ProbeResult:
    """What `python -m netlab.kafka.probe --bootstrap ... [--link]` run in `node` will report."""
    hp = bootstrap if isinstance(bootstrap, HostPort) else parse_host_port(bootstrap)
    v = world.vantage(node)
    result = ProbeResult(str(hp))
    st, addrs = _resolve(v, hp, RESOLVE)
    result.stages.append(st)
    if not st.ok:
        return result
    st, landed = _connect(world, v, hp, addrs, CONNECT)
    result.stages.append(st)
    if not st.ok or landed is None:
        return result
    landing = landed
    st = _api_versions(hp, landing, API_VERSIONS)
    result.stages.append(st)
    if not st.ok or link:
        return result
    lst = landing.listener
    if lst is None or lst.advertised_host is None:  # a KRaft controller listener serves ApiVersions only
        result.stages.append(Stage(METADATA, str(hp), False, "connection closed by the peer"))
        return result
    broker = next(b for b in world.brokers if b.node == lst.broker and b.node_id == lst.node_id)
    # a broker that never registered has no cluster metadata at all: it lists nobody, itself included
    result.brokers = advertised_brokers(world, lst) if registered(world, broker) else []
    if broker.zookeeper:  # what the ZooKeeper-mode controller's UpdateMetadata told it
        listed = {
            b.node_id
            for b in metadata_brokers(
                world, broker, lst, lambda n, e: predict_probe(world, n, e, link=True).ok
            )
        }
        result.brokers = [b for b in result.brokers if b.node_id in listed]
    result.stages.append(
        Stage(
            METADATA,
            str(hp),
            bool(result.brokers),
            None,
            0.0,
            {
                "listener": lst.name,
                "broker": broker.node,
                "brokers": [f"{b.node_id}@{b.endpoint}" for b in result.brokers],
            },
        )
    )
    if not result.brokers:  # the probe's words (a broker not registered with its controller)
        result.stages[-1].error = "Metadata listed no brokers for this listener"
        return result
    seen: set[tuple[str, int]] = set()
    for b in result.brokers:
        if (b.host, b.port) in seen:
            continue
        seen.add((b.host, b.port))
        ep = HostPort(b.host, b.port)
        st, addrs = _resolve(v, ep, ADVERTISED_RESOLVE)
        stages = [st]
        if st.ok:
            cst, landed = _connect(world, v, ep, addrs, ADVERTISED_CONNECT)
            stages.append(cst)
            if cst.ok and landed is not None:
                stages.append(_api_versions(ep, landed, ADVERTISED_API_VERSIONS))
        for s in stages:
            s.detail["node_id"] = b.node_id
        result.stages.extend(stages)
    return result


def predict_tcp(world: World, node: str, target: str | HostPort) -> ProbeResult:
    """A TCP-only link (a broker to its ZooKeeper): resolve and connect, as probe --tcp-links."""
    hp = target if isinstance(target, HostPort) else parse_host_port(target)
    v = world.vantage(node)
    result = ProbeResult(str(hp))
    st, addrs = _resolve(v, hp, RESOLVE)
    result.stages.append(st)
    if st.ok:
        result.stages.append(_connect(world, v, hp, addrs, CONNECT)[0])
    return result


def inter_broker_targets(world: World, broker: BrokerView) -> list[tuple[BrokerView, str]]:
    """The endpoints `broker` connects to for replication: every other running broker's
    advertised endpoint of the inter-broker listener (as the brokers themselves use it)."""
    out = []
    for other in world.brokers:
        # ZooKeeper mode: any broker may be the controller, which connects to itself as well
        if (other is broker and not broker.zookeeper) or not other.running:
            continue
        lst = next((x for x in other.listeners if x.name == broker.inter_broker_listener), None)
        if lst is not None and lst.advertised_host is not None:
            out.append((other, f"{lst.advertised_host}:{lst.advertised_port}"))
    return out


__all__ = [
    "broker_view",
    "bind_error",
    "predict_probe",
    "advertised_brokers",
    "inter_broker_targets",
    "PublishedPort",
    "REFUSED",
    "UNREACHABLE",
]
