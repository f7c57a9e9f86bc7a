"""Metadata deltas in-process (no sockets), on the active controller of a real quorum of one
writing `__cluster_metadata-0` in tmp_path: what a replay notes as touched (Kafka's
MetadataDelta), and that writing a change compared only over its topics loses nothing (the log
replayed from scratch equals the controller's state), and that a standby that loads only each
delta ends with the same state as one that loads the whole image."""

from __future__ import annotations

import time
import uuid

from test_cluster_controller import loop, make  # noqa: F401  (the loop fixture)

from broker.cluster.controller import Controller
from broker.cluster.metadata import ClusterMetadata
from broker.raft import state_codec
from broker.raft.metadata_delta import MetadataDelta
from broker.raft.metadata_image import read_image


def _replay(c, start: int) -> tuple[MetadataDelta, dict]:
    """The delta of the records from `start` to the log end, replayed onto the image before them."""
    before = state_codec.empty_image("cid")
    for offset, value in c.raft.mlog.data_values(0, c.raft.mlog.end_offset):
        if offset < start:
            state_codec.replay(before, value)
    delta = MetadataDelta()
    for _offset, value in c.raft.mlog.data_values(start, c.raft.mlog.end_offset):
        state_codec.replay(before, value, delta)
    return delta, before


def test_mdp_replay_notes_what_the_records_touched(tmp_path, loop):  # noqa: F811
    c = make(tmp_path, loop)
    c.create_topic("a", 3, 2, None)
    c.create_topic("b", 2, 2, None)

    start = c.raft.mlog.end_offset
    c.create_topic("new", 4, 3, {"retention.ms": "1000"})
    delta, _ = _replay(c, start)
    assert delta.topics == {"new": {0, 1, 2, 3}} and not delta.removed
    assert not (delta.brokers or delta.acls or delta.broker_configs)

    start = c.raft.mlog.end_offset
    p = c.metadata.topics["a"].partitions[1]
    isr = [p.leader]  # shrink to the leader
    c.alter_partition(p.leader, "a", 1, p.leader_epoch, isr)
    delta, _ = _replay(c, start)
    assert delta.topics == {"a": {1}}

    start = c.raft.mlog.end_offset
    c.delete_topic("b")
    c.set_topic_configs("new", {"retention.ms": "2000"})
    delta, image = _replay(c, start)
    assert delta.removed == {"b"} and delta.topics == {"new": set()}
    assert delta.topic_names() == {"b", "new"} and "b" not in image["topics"]

    start = c.raft.mlog.end_offset
    c.fence(3, "a test")
    delta, _ = _replay(c, start)
    assert delta.brokers  # and the partitions whose leader or ISR moved off broker 3
    moved = {(t, i) for t, parts in delta.topics.items() for i in parts}
    assert all(3 in c.metadata.topics[t].partitions[i].replicas for t, i in moved)


def test_mdp_a_change_written_over_its_topics_only_loses_nothing(tmp_path, loop):  # noqa: F811
    c = make(tmp_path, loop)
    for i in range(20):
        c.create_topic(f"t{i}", 2, 2, None)
    c.delete_topic("t3")
    c.create_topic("t3", 1, 1, None)  # the same name again: a new id
    c.set_topic_configs("t5", {"cleanup.policy": "compact"})
    c.add_partitions("t6", c.place(2, 2))
    p = c.metadata.topics["t7"].partitions[0]
    c.alter_partition(p.leader, "t7", 0, p.leader_epoch, [p.leader])
    c.fence(2, "a test")  # a change over every topic, after the restricted ones
    image, _ = read_image(c.raft.mlog.dir, "cid")
    assert image["topics"].keys() == state_codec.image_of(c)["topics"].keys()
    ours = state_codec.image_of(c)
    for name, t in ours["topics"].items():
        got = image["topics"][name]
        assert (got["id"], got["partitions"]) == (t["id"], t["partitions"]), name
        assert got["configs"] == {k: str(v) for k, v in t["configs"].items()}, name


def test_mdp_a_standby_loading_deltas_ends_where_a_full_load_does(tmp_path, loop):  # noqa: F811
    c = make(tmp_path, loop)
    by_delta = Controller(2, ClusterMetadata("cid", 2), 1500)
    image, offset = state_codec.empty_image("cid"), 0
    steps = [
        lambda: c.create_topic("x", 3, 3, None),
        lambda: c.create_topic("y", 2, 1, {"retention.ms": "5"}),
        lambda: c.fence(3, "a test"),
        lambda: c.delete_topic("y"),
        lambda: c.set_broker_configs("", {"log.retention.ms": "7"}),
    ]
    for step in steps:
        step()
        delta = MetadataDelta()
        for _o, value in c.raft.mlog.data_values(offset, c.raft.mlog.end_offset):
            state_codec.replay(image, value, delta)
        offset = c.raft.mlog.end_offset
        state_codec.load_delta(by_delta, image, delta, time.monotonic())
    whole = Controller(3, ClusterMetadata("cid", 3), 1500)
    state_codec.load_into(whole, image, time.monotonic())
    a, b = state_codec.image_of(by_delta), state_codec.image_of(whole)
    assert a["topics"] == b["topics"] and a["broker_configs"] == b["broker_configs"]
    assert a["registrations"] == b["registrations"] and set(by_delta.metadata.brokers) == {1, 2}
    assert uuid.UUID(a["topics"]["x"]["id"]) == c.metadata.topics["x"].topic_id
