"""The coordinator inside this process on a real BrokerNode (real logs in a temp dir, no
sockets): rebuilding state from `__consumer_offsets` at start, and shutdown answering waiting
requests."""

from __future__ import annotations

import asyncio

from broker.cluster.metadata import BrokerEndpoint
from broker.config import KafkaConfig
from broker.group import coordinator_of
from broker.group.coordinator import JoinRequest
from broker.group.offsets import CommittedOffset
from broker.node import BrokerNode
from broker.raft.setup import start_quorum, stop_quorum


async def _node(log_dir) -> BrokerNode:
    """A node with its KRaft quorum of one started (its controller writes the metadata log), as
    broker/main.py's start_cluster does."""
    config = KafkaConfig(
        {
            "node.id": "1",
            "listeners": "PLAINTEXT://127.0.0.1:9092",
            "log.dirs": str(log_dir),
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "5",
            "group.initial.rebalance.delay.ms": "0",
        }
    )
    node = BrokerNode(config, {"PLAINTEXT": BrokerEndpoint("127.0.0.1", 9092)})
    await start_quorum(node, config)
    return node


async def _stop(node: BrokerNode) -> None:
    await stop_quorum(node)
    node.shutdown()


def _join(group: str, member_id: str = "", instance: str | None = None) -> JoinRequest:
    return JoinRequest(
        group,
        member_id,
        instance,
        "cid",
        "/127.0.0.1",
        6000,
        6000,
        "consumer",
        [("range", b"meta")],
        require_known_member_id=False,
    )


def test_state_is_rebuilt_from_the_log_by_a_new_node(tmp_path):
    async def first() -> str:
        node = await _node(tmp_path)
        coord = coordinator_of(node)
        assert coord.topic.create() == 0 and len(node.metadata.topics["__consumer_offsets"].partitions) == 5
        assert node.topic_admin.create("t", 2, 1)[0] == 0
        j = await coord.join(_join("g", instance="i-1"))
        s = await coord.sync(
            "g", j["generation_id"], j["member_id"], "i-1", None, None, {j["member_id"]: b"asg"}
        )
        assert s["error_code"] == 0
        assert coord.commit("g", 1, j["member_id"], "i-1", {("t", 0): CommittedOffset(7)}) == {("t", 0): 0}
        assert coord.commit("solo", -1, "", None, {("t", 1): CommittedOffset(3, 2, "m", 1)}) == {("t", 1): 0}
        coord.shutdown()
        await _stop(node)
        return j["member_id"]

    async def second(member_id: str) -> None:
        node = await _node(tmp_path)
        coord = coordinator_of(node)
        coord.load()
        g = coord.groups["g"]
        assert (g.state.value, g.generation_id, g.protocol_name, g.leader_id) == (
            "Stable",
            1,
            "range",
            member_id,
        )
        assert g.members[member_id].assignment == b"asg" and g.static_members == {"i-1": member_id}
        err, offsets = coord.fetch_offsets("g", None)
        assert err == 0 and list(offsets) == [("t", 0)] and offsets[("t", 0)].offset == 7
        assert coord.fetch_offsets("solo", [("t", 1)])[1] == {("t", 1): CommittedOffset(3, 2, "m", 1)}
        # the restored member keeps its session by heartbeating with its generation
        assert coord.heartbeat("g", 1, member_id, "i-1") == 0
        coord.shutdown()
        await _stop(node)

    member_id = asyncio.run(first())
    asyncio.run(second(member_id))


def test_shutdown_answers_waiting_joins_and_stops_timers(tmp_path):
    async def run() -> None:
        node = await _node(tmp_path)
        coord = coordinator_of(node)
        coord.topic.create()
        a = await coord.join(_join("g"))
        assert a["generation_id"] == 1
        # B's join waits for A to rejoin; shutdown answers it
        waiting = asyncio.ensure_future(coord.join(_join("g")))
        await asyncio.sleep(0.01)
        assert not waiting.done()
        coord.shutdown()
        res = await asyncio.wait_for(waiting, 1)
        assert res["error_code"] == 16  # NOT_COORDINATOR
        g = coord.groups["g"]
        assert g.join_timer is None and all(m.heartbeat_timer is None for m in g.members.values())
        await _stop(node)

    asyncio.run(run())
