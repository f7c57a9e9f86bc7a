"""Pure: the ZooKeeper-mode controller's in-memory context and election rules
(broker/zk/context.py), and how a fenced multi's answer reads (broker/zk/pipeline.py)."""

from __future__ import annotations

import pytest
from kazoo.exceptions import BadVersionError, NodeExistsError, RolledBackError, RuntimeInconsistency

from broker.zk.context import ControllerContext, LiveBroker, elect
from broker.zk.pipeline import ControllerMovedException, failure, unwrap


def _ctx(live: list[int]) -> ControllerContext:
    ctx = ControllerContext()
    ctx.live = {b: LiveBroker(b, {}, None, 100 + b) for b in live}
    return ctx


def test_zkp_new_partitions_lead_with_the_first_live_replica():
    ctx = _ctx([2, 3])
    ctx.add_topic("zkpt", {0: [1, 2, 3], 1: [1]}, None)
    # partition 1 has no live replica: it waits (Kafka's NewPartition)
    assert ctx.new_partitions() == {("zkpt", 0): [2, 3]}
    ctx.put_state(("zkpt", 0), 2, 0, [2, 3], 1, 0)
    assert ctx.new_partitions() == {} and ctx.changes() == {}


def test_zkp_election_rules():
    live = {2, 3}
    assert elect([1, 2, 3], 1, [1, 2, 3], live) == (2, [2, 3])  # first live ISR member, replica order
    assert elect([1, 3, 2], 1, [1, 2, 3], live) == (3, [2, 3])
    assert elect([1, 2, 3], 2, [1, 2, 3], live) == (2, [2, 3])  # leader lives: only the ISR shrinks
    assert elect([1, 4], 1, [1, 4], live) == (-1, [4])  # nobody: -1, the ISR never empties
    assert elect([1, 4], -1, [4], {4}) == (4, [4])  # an ISR member returns and leads
    assert elect([1, 2], -1, [1], {2}) == (-1, [1])  # no unclean election


def test_zkp_changes_name_only_what_the_live_brokers_change():
    ctx = _ctx([1, 2, 3])
    ctx.add_topic("zkpt", {0: [1, 2, 3], 1: [2, 3, 1]}, None)
    ctx.put_state(("zkpt", 0), 1, 0, [1, 2, 3], 1, 0)
    ctx.put_state(("zkpt", 1), 2, 0, [2, 3, 1], 1, 0)
    assert ctx.changes() == {}
    del ctx.live[1]
    assert ctx.changes() == {("zkpt", 0): (2, [2, 3]), ("zkpt", 1): (2, [2, 3])}
    ctx.remove_topic("zkpt")
    assert ctx.changes() == {} and ctx.partitions() == []


def test_zkp_added_partitions_keep_the_existing_ones():
    ctx = _ctx([1])
    ctx.add_topic("zkpt", {0: [1]}, None)
    assert ctx.add_partitions("zkpt", {0: [9], 1: [1], 2: [1]}) == [1, 2]
    assert ctx.replicas(("zkpt", 0)) == [1]


def test_zkp_fenced_multi_answers():
    # the epoch check passed, the write failed: ZooKeeper rolls the check back (code 0)
    writes = unwrap([RolledBackError(), NodeExistsError(), RuntimeInconsistency()])
    assert isinstance(failure(writes), NodeExistsError)
    assert failure(unwrap([True, "/a", "/a/state"])) is None
    # the epoch check failed: another broker bumped /controller_epoch
    with pytest.raises(ControllerMovedException):
        unwrap([BadVersionError(), RuntimeInconsistency()])
