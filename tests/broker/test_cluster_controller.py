"""The controller's decisions, in-process (no sockets): placement, registration, fencing and
leader election, ISR changes, persistence."""

from __future__ import annotations

import uuid

from broker.cluster.controller import Controller
from broker.cluster.metadata import BrokerEndpoint, ClusterMetadata
from broker.protocol.errors import ErrorCode

EP = {"INTERNAL": BrokerEndpoint("127.0.0.1", 29092)}


def make(tmp_path, brokers=(1, 2, 3)) -> Controller:
    c = Controller(1, ClusterMetadata("cid", 1), tmp_path, session_timeout_ms=1500)
    for b in brokers:
        err, epoch = c.register(b, "cid", uuid.uuid4(), EP, None, local=(b == 1))
        assert err == ErrorCode.NONE and epoch > 0
    return c


def test_placement_spreads_leaders_and_replicas(tmp_path):
    c = make(tmp_path)
    err, _, info = c.create_topic("t", 6, 3, {})
    assert err == ErrorCode.NONE
    leaders = [p.leader for p in info.partitions.values()]
    assert sorted(leaders) == [1, 1, 2, 2, 3, 3]
    for p in info.partitions.values():
        assert sorted(p.replicas) == [1, 2, 3] and p.isr == p.replicas and p.leader == p.replicas[0]
    err, msg, _ = c.create_topic("big", 1, 4, {})
    assert err == ErrorCode.INVALID_REPLICATION_FACTOR and "only 3 broker(s) are registered" in msg
    assert c.create_topic("t", 1, 1, {})[0] == ErrorCode.TOPIC_ALREADY_EXISTS


def test_fencing_moves_leadership_to_an_isr_member_with_a_new_epoch(tmp_path):
    c = make(tmp_path)
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


def test_offline_partition_is_led_again_by_its_last_isr_member(tmp_path):
    c = make(tmp_path)
    c.create_topic("t", 1, 1, {}, assignments=[[2]])
    c.fence(2, "x")
    p = c.metadata.topics["t"].partitions[0]
    assert (p.leader, p.isr, p.leader_epoch) == (-1, [2], 1)
    assert c.register(2, "cid", uuid.uuid4(), EP, None)[0] == ErrorCode.NONE
    assert (p.leader, p.leader_epoch) == (2, 2)


def test_heartbeats_registration_errors(tmp_path):
    c = make(tmp_path)
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
    assert c.heartbeat(3, c.registrations[3].epoch, False)[0] == ErrorCode.STALE_BROKER_EPOCH
    assert not c.registrations[1].fenced  # the controller's own broker never times out


def test_alter_partition_checks_leader_and_epoch(tmp_path):
    c = make(tmp_path)
    c.create_topic("t", 1, 3, {}, assignments=[[2, 3, 1]])
    assert c.alter_partition(3, "t", 0, 0, [3]) == ErrorCode.NOT_LEADER_OR_FOLLOWER
    assert c.alter_partition(2, "t", 0, 7, [2]) == ErrorCode.FENCED_LEADER_EPOCH
    assert c.alter_partition(2, "t", 0, 0, [3]) == ErrorCode.INVALID_REQUEST  # must keep the leader
    assert c.alter_partition(2, "t", 0, 0, [2, 1]) == ErrorCode.NONE
    assert c.metadata.topics["t"].partitions[0].isr == [2, 1]
    c.fence(3, "x")
    assert c.alter_partition(2, "t", 0, 0, [2, 3, 1]) == ErrorCode.INVALID_REQUEST  # fenced: not eligible
    assert c.alter_partition(2, "u", 0, 0, [2]) == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION


def test_state_survives_a_controller_restart(tmp_path):
    c = make(tmp_path)
    c.create_topic("t", 2, 2, {"min.insync.replicas": "2"})
    c.fence(2, "x")
    before = c.snapshot()["topics"]
    again = Controller(1, ClusterMetadata("cid", 1), tmp_path, session_timeout_ms=1500)
    assert again.snapshot()["topics"] == before and again.version >= c.version
    assert again.topic_configs["t"] == {"min.insync.replicas": "2"}
