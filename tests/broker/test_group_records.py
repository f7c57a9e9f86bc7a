"""Unit tests (no broker process): group → partition mapping, the `__consumer_offsets` key/value
byte layouts (checked against struct-packed layouts written from Kafka's schemas), replay rules,
and protocol selection."""

from __future__ import annotations

import struct
import uuid

import pytest

from broker.group.offsets import (
    CommittedOffset,
    GroupRecord,
    OffsetRecord,
    OffsetsRecordError,
    StoredGroup,
    StoredMember,
    batch_of,
    decode,
    group_key,
    group_value,
    offset_key,
    offset_value,
    read_partition,
    replay,
)
from broker.group.partitioning import java_string_hash, partition_for
from broker.group.state import Group, GroupState, Member
from broker.log.manager import LogManager
from broker.log.partition_log import LogConfig


def _s(text: str | None) -> bytes:
    if text is None:
        return struct.pack(">h", -1)
    raw = text.encode()
    return struct.pack(">h", len(raw)) + raw


def _b(data: bytes) -> bytes:
    return struct.pack(">i", len(data)) + data


@pytest.mark.parametrize(
    "group,expected",
    [("my-group", 12), ("test-group", 12), ("console-consumer-12345", 6), ("polygenelubricants", 0), ("", 0)],
)
def test_partition_for_matches_kafkas_check_values(group, expected):
    assert partition_for(group) == expected


def test_java_hash_wraps_and_min_value_maps_to_zero():
    assert java_string_hash("polygenelubricants") == -(2**31)
    assert java_string_hash("a") == 97 and java_string_hash("ab") == 97 * 31 + 98
    assert java_string_hash("é€") == 0xE9 * 31 + 0x20AC  # UTF-16 code units, not UTF-8 bytes
    assert partition_for("my-group", 1) == 0 and partition_for("my-group", 7) == 1906497762 % 7
    with pytest.raises(ValueError, match="offsets.topic.num.partitions"):
        partition_for("g", 0)


def test_offset_commit_key_v1_and_value_v3_layout():
    assert offset_key("grp", "topic-a", 7) == struct.pack(">h", 1) + _s("grp") + _s("topic-a") + struct.pack(
        ">i", 7
    )
    v = offset_value(CommittedOffset(1234, 5, "meta", 1_700_000_000_123))
    assert v == struct.pack(">hqi", 3, 1234, 5) + _s("meta") + struct.pack(">q", 1_700_000_000_123)


def test_group_metadata_key_v2_and_value_v3_layout():
    assert group_key("grp") == struct.pack(">h", 2) + _s("grp")
    g = StoredGroup(
        "consumer",
        4,
        "range",
        "m-1",
        1_700_000_000_000,
        [
            StoredMember("m-1", "inst", "client", "/127.0.0.1", 300000, 6000, b"sub", b"asg"),
            StoredMember("m-2", None, "c2", "/10.0.0.2", 100, 200, b"", b""),
        ],
    )
    expected = (
        struct.pack(">h", 3)
        + _s("consumer")
        + struct.pack(">i", 4)
        + _s("range")
        + _s("m-1")
        + struct.pack(">q", 1_700_000_000_000)
        + struct.pack(">i", 2)
        + _s("m-1")
        + _s("inst")
        + _s("client")
        + _s("/127.0.0.1")
        + struct.pack(">ii", 300000, 6000)
        + _b(b"sub")
        + _b(b"asg")
        + _s("m-2")
        + _s(None)
        + _s("c2")
        + _s("/10.0.0.2")
        + struct.pack(">ii", 100, 200)
        + _b(b"")
        + _b(b"")
    )
    assert group_value(g) == expected
    assert decode(group_key("grp"), expected) == GroupRecord("grp", g)
    empty = StoredGroup("consumer", 5, None, None, 1, [])
    assert decode(group_key("grp"), group_value(empty)) == GroupRecord("grp", empty)


def test_older_value_versions_decode():
    v0 = struct.pack(">hq", 0, 42) + _s("x") + struct.pack(">q", 99)
    v1 = struct.pack(">hq", 1, 43) + _s("y") + struct.pack(">qq", 100, 200)
    key0 = struct.pack(">h", 0) + _s("g") + _s("t") + struct.pack(">i", 1)
    assert decode(key0, v0) == OffsetRecord("g", "t", 1, CommittedOffset(42, -1, "x", 99))
    assert decode(key0, v1) == OffsetRecord("g", "t", 1, CommittedOffset(43, -1, "y", 100))
    gv0 = (
        struct.pack(">h", 0)
        + _s("consumer")
        + struct.pack(">i", 1)
        + _s("range")
        + _s("m")
        + struct.pack(">i", 1)
        + _s("m")
        + _s("c")
        + _s("/h")
        + struct.pack(">i", 6000)
        + _b(b"s")
        + _b(b"a")
    )
    rec = decode(group_key("g"), gv0)
    assert rec.value.members == [StoredMember("m", None, "c", "/h", 6000, 6000, b"s", b"a")]
    with pytest.raises(OffsetsRecordError, match="key version 9"):
        decode(struct.pack(">h", 9), None)
    with pytest.raises(OffsetsRecordError, match="value version 7"):
        decode(key0, struct.pack(">h", 7))


def test_replay_latest_wins_and_tombstones_delete():
    recs = [
        OffsetRecord("g", "t", 0, CommittedOffset(1)),
        OffsetRecord("g", "t", 0, CommittedOffset(5)),
        OffsetRecord("g", "t", 1, CommittedOffset(2)),
        OffsetRecord("g", "t", 1, None),
        OffsetRecord("h", "t", 0, CommittedOffset(3)),
        OffsetRecord("h", "t", 0, None),
        GroupRecord("g", StoredGroup("consumer", 1, "range", "a", -1, [])),
        GroupRecord("g", StoredGroup("consumer", 2, "range", "b", -1, [])),
        GroupRecord("x", StoredGroup("consumer", 1, None, None, -1, [])),
        GroupRecord("x", None),
    ]
    groups, offsets = replay(recs)
    assert offsets == {"g": {("t", 0): CommittedOffset(5)}}  # h has nothing left
    assert list(groups) == ["g"] and groups["g"].generation == 2


def test_records_round_trip_through_a_real_partition_log(tmp_path):
    logs = LogManager([tmp_path], LogConfig(), node_id=1)
    plog = logs.create("__consumer_offsets", 3, uuid.uuid4())
    plog.append(
        batch_of(
            [
                (offset_key("g", "t", 0), offset_value(CommittedOffset(10, 0, "", 1))),
                (offset_key("g", "t", 1), offset_value(CommittedOffset(11, 0, "", 1))),
            ]
        )
    )
    plog.append(batch_of([(group_key("g"), group_value(StoredGroup("consumer", 1, "range", "m", 5, [])))]))
    plog.append(
        batch_of(
            [
                (offset_key("g", "t", 0), offset_value(CommittedOffset(20, 0, "later", 2))),
                (offset_key("g", "t", 1), None),
            ]
        )
    )
    got = list(read_partition(plog))
    assert [type(r).__name__ for r in got] == [
        "OffsetRecord",
        "OffsetRecord",
        "GroupRecord",
        "OffsetRecord",
        "OffsetRecord",
    ]
    groups, offsets = replay(got)
    assert offsets == {"g": {("t", 0): CommittedOffset(20, 0, "later", 2)}}
    assert groups["g"].generation == 1
    logs.close()


def _member(mid: str, *names: str) -> Member:
    return Member(mid, None, "c", "/h", 1000, 1000, "consumer", [(n, b"") for n in names])


def test_protocol_support_and_selection():
    g = Group("g")
    assert g.supports_protocols("consumer", ["range"]) and not g.supports_protocols("", ["range"])
    assert not g.supports_protocols("consumer", [])
    g.state = GroupState.STABLE
    g.protocol_type = "consumer"
    g.members = {
        "a": _member("a", "cooperative-sticky", "range"),
        "b": _member("b", "range", "cooperative-sticky"),
        "c": _member("c", "range", "roundrobin"),
    }
    g.leader_id = "a"
    assert g.select_protocol() == "range"  # the only one all three support
    assert g.supports_protocols("consumer", ["roundrobin", "range"])
    assert not g.supports_protocols("consumer", ["roundrobin"]) and not g.supports_protocols(
        "connect", ["range"]
    )
    del g.members["c"]
    # a votes cooperative-sticky, b votes range: a tie goes to the leader's preference
    assert g.select_protocol() == "cooperative-sticky"
