"""Which links a multi-voter KRaft quorum needs, and whether it forms, from the topology alone —
the rules the broker's Raft layer (broker/raft/client.py) follows, as Kafka's KafkaRaftClient:

- a candidate sends Vote to each other voter's controller endpoint (candidate → voter);
- followers fetch `__cluster_metadata-0` from the leader (voter → leader);
- the leader tells each voter with BeginQuorumEpoch (leader → voter);
so a running voter can lead only when, counting itself, a majority of the voters are running and
linked with it both ways. The quorum forms when some voter can lead. Brokers then register with,
and fetch metadata from, a voter that can lead (broker → that voter's controller endpoint). A
voter the leader cannot reach but that reaches the others (`disruptive_voters`: its controller
listener bound to its own loopback) may depose the leader again and again before it hears of it:
a race of timers the prediction cannot settle, so it is named, not counted against the quorum.

A broker that lists only `controller.quorum.bootstrap.servers` first learns the voters
(broker/raft/bootstrap.py): it tries the bootstrap servers in order with DescribeCluster for
CONTROLLER endpoints, which only a controller listener answers (a broker listener closes the
connection on that controller API), and takes the voters of the first controller that answers.

`reach(node, "host:port")` is the caller's verdict for one connection (predict_probe's link mode)."""

from __future__ import annotations

from collections.abc import Callable

from .views import LISTENER, BrokerView, World, land

Reach = Callable[[str, str], bool]


def _endpoint(voters: dict[int, tuple[str, int]], vid: int) -> str:
    host, port = voters[vid]
    return f"{host}:{port}"


def needed_links(voters: dict[int, tuple[str, int]]) -> list[tuple[int, int]]:
    """(from voter, to voter) for every ordered pair: each one may have to ask any other."""
    return [(a, b) for a in sorted(voters) for b in sorted(voters) if a != b]


def _running(world: World, voters: dict[int, tuple[str, int]]) -> dict[int, BrokerView]:
    return {vid: b for vid in voters if (b := world.broker(vid)) is not None and b.running}


def possible_leaders(world: World, voters: dict[int, tuple[str, int]], reach: Reach) -> list[int]:
    """Running voters that, counting themselves, are linked both ways with a majority."""
    majority = len(voters) // 2 + 1
    running = _running(world, voters)
    out = []
    for vid, b in sorted(running.items()):
        support = 1
        for other, ob in running.items():
            if other == vid:
                continue
            if reach(b.node, _endpoint(voters, other)) and reach(ob.node, _endpoint(voters, vid)):
                support += 1
        if support >= majority:
            out.append(vid)
    return out


def disruptive_voters(
    world: World, voters: dict[int, tuple[str, int]], reach: Reach, leader: int
) -> list[int]:
    """Running voters that `leader` cannot reach but that reach another voter. Such a voter never
    gets BeginQuorumEpoch: it learns of the leader only from an answer to its own Vote (a known
    leader at its epoch or a later one, and then it follows, since fetches go out from it). Until
    then each of its Votes at a higher epoch turns its receiver Unattached, the leader included
    (KafkaRaftClient's handleVoteRequest; Kafka 3.7 has no pre-vote, KIP-996). Which comes first
    is a race of timers: the quorum forms without it, or keeps being deposed for a while."""
    running = _running(world, voters)
    lb = running[leader]
    out = []
    for vid, b in sorted(running.items()):
        if vid == leader or reach(lb.node, _endpoint(voters, vid)):
            continue
        if any(reach(b.node, _endpoint(voters, o)) for o in running if o != vid):
            out.append(vid)
    return out


def quorum_forms(world: World, voters: dict[int, tuple[str, int]], reach: Reach) -> bool:
    return bool(possible_leaders(world, voters, reach))


def reaches_active_controller(world: World, broker: BrokerView, reach: Reach) -> bool:
    """A broker of a multi-voter quorum registers once it reaches a voter that can lead."""
    return any(
        reach(broker.node, _endpoint(broker.voters, vid))
        for vid in possible_leaders(world, broker.voters, reach)
    )


def parse_bootstrap_controllers(value: str | None) -> list[tuple[str, int]]:
    """controller.quorum.bootstrap.servers as the broker reads it (host:port, comma separated);
    config_rules.py has already refused a malformed list, so bad entries are skipped here."""
    out = []
    for entry in (value or "").split(","):
        host, _, port = entry.strip().rpartition(":")
        if host and port.isdigit():
            out.append((host.strip("[]"), int(port)))
    return out


def learnt_voters(world: World, broker: BrokerView) -> dict[int, tuple[str, int]] | None:
    """The voters the broker learns from its bootstrap servers, or None if none answers: the
    first server (in order; each name's addresses in order) whose connection lands on a
    controller listener of a running KRaft controller, which answers its own voter set."""
    here = world.vantage(broker.node)
    for host, port in broker.controller_bootstrap:
        for addr in here.resolve(host) or []:
            landing = land(world, broker.node, addr, port)
            if landing.kind != LISTENER or landing.listener is None:
                continue
            target = next((b for b in world.brokers if b.node == landing.listener.broker and b.running), None)
            if (
                target is not None
                and landing.listener.name in target.controller_listeners
                and target.node_id in target.voters
            ):
                return dict(target.voters)
    return None
