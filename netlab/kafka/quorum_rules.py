"""Which links a multi-voter KRaft quorum needs, and whether it forms, from the topology alone —
the rules the broker's Raft layer (broker/raft/client.py) follows, as Kafka's KafkaRaftClient:

- a candidate sends Vote to each other voter's controller endpoint (candidate → voter);
- followers fetch `__cluster_metadata-0` from the leader (voter → leader);
so a running voter can lead only when, counting itself, a majority of the voters are running and
linked with it both ways. The quorum forms when some voter can lead. Brokers then register with,
and fetch metadata from, a voter that can lead (broker → that voter's controller endpoint).

`reach(node, "host:port")` is the caller's verdict for one connection (predict_probe's link mode)."""

from __future__ import annotations

from collections.abc import Callable

from .views import BrokerView, World

Reach = Callable[[str, str], bool]


def _endpoint(voters: dict[int, tuple[str, int]], vid: int) -> str:
    host, port = voters[vid]
    return f"{host}:{port}"


def needed_links(voters: dict[int, tuple[str, int]]) -> list[tuple[int, int]]:
    """(from voter, to voter) for every ordered pair: each one may have to ask any other."""
    return [(a, b) for a in sorted(voters) for b in sorted(voters) if a != b]


def possible_leaders(world: World, voters: dict[int, tuple[str, int]], reach: Reach) -> list[int]:
    majority = len(voters) // 2 + 1
    running = {vid: b for vid in voters if (b := world.broker(vid)) is not None and b.running}
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


def quorum_forms(world: World, voters: dict[int, tuple[str, int]], reach: Reach) -> bool:
    return bool(possible_leaders(world, voters, reach))


def reaches_active_controller(world: World, broker: BrokerView, reach: Reach) -> bool:
    """A broker of a multi-voter quorum registers once it reaches a voter that can lead."""
    return any(
        reach(broker.node, _endpoint(broker.voters, vid))
        for vid in possible_leaders(world, broker.voters, reach)
    )
