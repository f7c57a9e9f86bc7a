"""The controller's decisions, in-process (no sockets): placement, registration, fencing and
leader election, ISR changes, persistence. The controller is the active one of a real quorum of
one (broker/raft/): every change is written to `__cluster_metadata-0` in tmp_path."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from broker.cluster.metadata import BrokerEndpoint
from broker.log.config import LogConfig
from broker.protocol.errors import ErrorCode
from broker.raft import state_codec
from broker.raft.client import RaftClient
from broker.raft.metadata_image import read_image
from broker.raft.quorum_controller import QuorumController

EP = {"INTERNAL": BrokerEndpoint("127.0.0.1", 29092)}
RAFT = {
    "controller.quorum.election.timeout.ms": 1000,
    "controller.quorum.fetch.timeout.ms": 2000,
    "controller.quorum.election.backoff.max.ms": 1000,
    "controller.quorum.request.timeout.ms": 2000,
    "num.partitions": 1,
    "default.replication.factor": 1,
}


@pytest.fixture
def loop():
    lp = asyncio.new_event_loop()
    asyncio.set_event_loop(lp)
    yield lp
    pending = asyncio.all_tasks(lp)  # the Raft loops: end them before closing
    for t in pending:
        t.cancel()
    lp.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    lp.close()
    asyncio.set_event_loop(None)


def controller(tmp_path, loop) -> QuorumController:
    """The only voter's controller, active once its Raft client has started (it leads at once)."""
    raft = RaftClient(1, {1: ("", -1)}, "cid", tmp_path, LogConfig(), RAFT)
    qc = QuorumController(1, "cid", raft, 1500, RAFT)

    async def start():
        raft.start()

    loop.run_until_complete(start())
    assert qc.active
    return qc


def unfence(c: QuorumController, b: int) -> None:
    reg = c.registrations[b]
    assert c.heartbeat(b, reg.epoch, False, want_fence=False, metadata_offset=reg.record_offset) == (
        ErrorCode.NONE,
        False,
    )


def make(tmp_path, loop, brokers=(1, 2, 3)) -> QuorumController:
    c = controller(tmp_path, loop)
    for b in brokers:
        err, epoch = c.register(b, "cid", uuid.uuid4(), EP, None, local=(b == 1))
        assert err == ErrorCode.NONE and epoch > 0
        unfence(c, b)
    return c


def test_registered_fenced_then_unfenced_once_caught_up(tmp_path, loop):
    c = controller(tmp_path, loop)
    err, epoch = c.register(2, "cid", uuid.uuid4(), EP, None)
    assert err == ErrorCode.NONE and c.registrations[2].fenced and 2 not in c.metadata.brokers
    at = c.registrations[2].record_offset
    # not caught up with its RegisterBrokerRecord yet, or asking to stay fenced: still fenced
    assert c.heartbeat(2, epoch, False, want_fence=False, metadata_offset=at - 1) == (ErrorCode.NONE, True)
    assert c.heartbeat(2, epoch, False, want_fence=True, metadata_offset=at) == (ErrorCode.NONE, True)
    assert c.heartbeat(2, epoch, False, want_fence=False, metadata_offset=at) == (ErrorCode.NONE, False)
    assert 2 in c.metadata.brokers
    image, _ = read_image(c.raft.mlog.dir)
    assert image["registrations"][2]["fenced"] is False


def test_placement_spreads_leaders_and_replicas(tmp_path, loop):
    c = make(tmp_path, loop)
    err, _, info = c.create_topic("t", 6, 3, {})
    assert err == ErrorCode.NONE
    leaders = [p.leader for p in info.partitions.values()]
    assert sorted(leaders) == [1, 1, 2, 2, 3, 3]
    for p in info.partitions.values():
        assert sorted(p.replicas) == [1, 2, 3] and p.isr == p.replicas and p.leader == p.replicas[0]
    err, msg, _ = c.create_topic("big", 1, 4, {})
    assert err == ErrorCode.INVALID_REPLICATION_FACTOR and "only 3 broker(s) are registered" in msg
    assert c.create_topic("t", 1, 1, {})[0] == ErrorCode.TOPIC_ALREADY_EXISTS


def test_fencing_moves_leadership_to_an_isr_member_with_a_new_epoch(tmp_path, loop):
    c = make(tmp_path, loop)
    _, _, info = c.create_topic("t", 1, 3, {}, assignments=[[2, 3, 1]])
    v = c.version
    c.fence(2, "its session has timed out")
    p = c.metadata.topics["t"].partitions[0]
    assert (p.leader, p.leader_epoch, p.isr) == (3, 1, [3, 1])
    assert 2 not in c.metadata.brokers and c.version > v
    # the next in-sync replica takes over; its epoch is the one AlterPartition must name
    c.fence(3, "x")
    assert (p.leader, p.leader_epoch, p.isr) == (1, 2, [1])
    assert c.alter_partition(1, "t", 0, 2, [1]) == ErrorCode.NONE


def test_offline_partition_is_led_again_by_its_last_isr_member(tmp_path, loop):
    c = make(tmp_path, loop)
    c.create_topic("t", 1, 1, {}, assignments=[[2]])
    c.fence(2, "x")
    p = c.metadata.topics["t"].partitions[0]
    assert (p.leader, p.isr, p.leader_epoch) == (-1, [2], 1)
    assert c.register(2, "cid", uuid.uuid4(), EP, None)[0] == ErrorCode.NONE
    assert p.leader == -1  # registered fenced: not a leader yet
    unfence(c, 2)
    assert (p.leader, p.leader_epoch) == (2, 2)


def test_heartbeats_registration_errors(tmp_path, loop):
    c = make(tmp_path, loop)
    epoch = c.registrations[2].epoch
    assert c.heartbeat(2, epoch, False) == (ErrorCode.NONE, False)
    assert c.heartbeat(2, epoch - 1, False)[0] == ErrorCode.STALE_BROKER_EPOCH
    assert c.heartbeat(9, 1, False)[0] == ErrorCode.BROKER_ID_NOT_REGISTERED
    # another incarnation while the first one's session is alive
    assert c.register(2, "cid", uuid.uuid4(), EP, None)[0] == ErrorCode.DUPLICATE_BROKER_REGISTRATION
    assert c.register(4, "other", uuid.uuid4(), EP, None)[0] == ErrorCode.INCONSISTENT_CLUSTER_ID
    c.registrations[3].last_heartbeat -= 10
    c.check_sessions()
    assert c.registrations[3].fenced and 3 not in c.metadata.brokers
    # its heartbeats come back: unfenced again once caught up (Kafka keeps the registration)
    unfence(c, 3)
    assert 3 in c.metadata.brokers
    assert not c.registrations[1].fenced  # the controller's own broker never times out


def test_alter_partition_checks_leader_and_epoch(tmp_path, loop):
    c = make(tmp_path, loop)
    c.create_topic("t", 1, 3, {}, assignments=[[2, 3, 1]])
    assert c.alter_partition(3, "t", 0, 0, [3]) == ErrorCode.NOT_LEADER_OR_FOLLOWER
    assert c.alter_partition(2, "t", 0, 7, [2]) == ErrorCode.FENCED_LEADER_EPOCH
    assert c.alter_partition(2, "t", 0, 0, [3]) == ErrorCode.INVALID_REQUEST  # must keep the leader
    assert c.alter_partition(2, "t", 0, 0, [2, 1]) == ErrorCode.NONE
    assert c.metadata.topics["t"].partitions[0].isr == [2, 1]
    c.fence(3, "x")
    assert c.alter_partition(2, "t", 0, 0, [2, 3, 1]) == ErrorCode.INVALID_REQUEST  # fenced: not eligible
    assert c.alter_partition(2, "u", 0, 0, [2]) == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION


def test_state_survives_a_controller_restart(tmp_path, loop):
    c = make(tmp_path, loop)
    c.create_topic("t", 2, 2, {"min.insync.replicas": "2"})
    c.fence(2, "x")
    before = state_codec.image_of(c)["topics"]
    loop.run_until_complete(c.raft.close())
    again = controller(tmp_path, loop)  # replays the metadata log
    assert state_codec.image_of(again)["topics"] == before
    assert again.topic_configs["t"] == {"min.insync.replicas": "2"}
    assert again.registrations[2].fenced and not again.registrations[3].fenced
