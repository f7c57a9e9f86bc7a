"""`__consumer_offsets` records in Kafka's key/value formats, written as RecordBatch v2 through the
node's log and read back when the coordinator starts.

Key (int16 version, then the struct):
  v0/v1 offset commit: group string, topic string, partition int32
  v2 group metadata:   group string
Value (int16 version, then the struct):
  offset commit v3: offset int64, leader epoch int32, metadata string, commit timestamp int64
  (v0: no epoch; v1: + expire timestamp; v4 is v3 flexible)
  group metadata v3: protocol type, generation, protocol?, leader?, current state timestamp,
  members [member id, group instance id?, client id, client host, rebalance timeout, session
  timeout, subscription bytes, assignment bytes] (v0 lacks instance id, rebalance timeout and
  the timestamp; v4 is v3 flexible)
A null value is a tombstone. The latest record per key wins.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..log.batch import iter_batches
from ..log.builder import build_batch
from ..log.records import iter_records
from ..protocol.schema import BYTES, INT32, INT64, STRING, Array, F, Message, Struct

OFFSET_KEY_VERSION = 1
GROUP_KEY_VERSION = 2
OFFSET_VALUE_VERSION = 3
GROUP_VALUE_VERSION = 3

_OFFSET_KEY = Message(Struct(F("group", STRING), F("topic", STRING), F("partition", INT32)))
_GROUP_KEY = Message(Struct(F("group", STRING)))
_OFFSET_VALUE = Message(
    Struct(
        F("offset", INT64),
        F("leader_epoch", INT32, 3, default=-1),
        F("metadata", STRING),
        F("commit_timestamp", INT64),
        F("expire_timestamp", INT64, 1, 1, default=-1),
    ),
    first_flexible=4,
)
_MEMBER = Struct(
    F("member_id", STRING),
    F("group_instance_id", STRING, 3, null=3),
    F("client_id", STRING),
    F("client_host", STRING),
    F("rebalance_timeout", INT32, 1),
    F("session_timeout", INT32),
    F("subscription", BYTES),
    F("assignment", BYTES),
)
_GROUP_VALUE = Message(
    Struct(
        F("protocol_type", STRING),
        F("generation", INT32),
        F("protocol", STRING, null=0),
        F("leader", STRING, null=0),
        F("current_state_timestamp", INT64, 2, default=-1),
        F("members", Array(_MEMBER)),
    ),
    first_flexible=4,
)
_I16 = struct.Struct(">h")
_COMMIT_TYPE = b"\x00\x01"  # a control record key's type field: 1 = COMMIT (0 = ABORT)


class OffsetsRecordError(ValueError):
    """A `__consumer_offsets` record this coordinator cannot read (unknown key/value version)."""


@dataclass
class CommittedOffset:
    offset: int
    leader_epoch: int = -1
    metadata: str = ""
    commit_timestamp: int = -1


@dataclass
class StoredMember:
    member_id: str
    group_instance_id: str | None
    client_id: str
    client_host: str
    rebalance_timeout: int
    session_timeout: int
    subscription: bytes
    assignment: bytes


@dataclass
class StoredGroup:
    protocol_type: str
    generation: int
    protocol: str | None
    leader: str | None
    current_state_timestamp: int = -1
    members: list[StoredMember] = field(default_factory=list)


# --- encoding ---
def offset_key(group: str, topic: str, partition: int) -> bytes:
    return _I16.pack(OFFSET_KEY_VERSION) + _OFFSET_KEY.to_bytes(
        {"group": group, "topic": topic, "partition": partition}, OFFSET_KEY_VERSION
    )


def offset_value(c: CommittedOffset) -> bytes:
    return _I16.pack(OFFSET_VALUE_VERSION) + _OFFSET_VALUE.to_bytes(
        {
            "offset": c.offset,
            "leader_epoch": c.leader_epoch,
            "metadata": c.metadata or "",
            "commit_timestamp": c.commit_timestamp,
        },
        OFFSET_VALUE_VERSION,
    )


def group_key(group: str) -> bytes:
    return _I16.pack(GROUP_KEY_VERSION) + _GROUP_KEY.to_bytes({"group": group}, GROUP_KEY_VERSION)


def group_value(g: StoredGroup) -> bytes:
    members = [
        {
            "member_id": m.member_id,
            "group_instance_id": m.group_instance_id,
            "client_id": m.client_id,
            "client_host": m.client_host,
            "rebalance_timeout": m.rebalance_timeout,
            "session_timeout": m.session_timeout,
            "subscription": m.subscription,
            "assignment": m.assignment,
        }
        for m in g.members
    ]
    return _I16.pack(GROUP_VALUE_VERSION) + _GROUP_VALUE.to_bytes(
        {
            "protocol_type": g.protocol_type,
            "generation": g.generation,
            "protocol": g.protocol,
            "leader": g.leader,
            "current_state_timestamp": g.current_state_timestamp,
            "members": members,
        },
        GROUP_VALUE_VERSION,
    )


def batch_of(records: list[tuple[bytes, bytes | None]], now_ms: int | None = None) -> bytes:
    """One uncompressed RecordBatch v2 holding `records` (key, value-or-None for a tombstone)."""
    ts = int(time.time() * 1000) if now_ms is None else now_ms
    return build_batch([(k, v) for k, v in records], timestamp=ts)


# --- decoding ---
@dataclass
class OffsetRecord:
    group: str
    topic: str
    partition: int
    value: CommittedOffset | None  # None = tombstone


@dataclass
class GroupRecord:
    group: str
    value: StoredGroup | None


def decode(key: bytes, value: bytes | None) -> OffsetRecord | GroupRecord:
    if len(key) < 2:
        raise OffsetsRecordError(f"key of {len(key)} bytes has no version")
    kv = _I16.unpack_from(key)[0]
    if kv in (0, 1):
        k = _OFFSET_KEY.from_bytes(key[2:], kv)
        if value is None:
            return OffsetRecord(k["group"], k["topic"], k["partition"], None)
        vv = _I16.unpack_from(value)[0]
        if not 0 <= vv <= 4:
            raise OffsetsRecordError(f"offset commit value version {vv} is unknown")
        v = _OFFSET_VALUE.from_bytes(value[2:], vv)
        return OffsetRecord(
            k["group"],
            k["topic"],
            k["partition"],
            CommittedOffset(v["offset"], v["leader_epoch"], v["metadata"], v["commit_timestamp"]),
        )
    if kv == 2:
        g = _GROUP_KEY.from_bytes(key[2:], kv)["group"]
        if value is None:
            return GroupRecord(g, None)
        vv = _I16.unpack_from(value)[0]
        if not 0 <= vv <= 4:
            raise OffsetsRecordError(f"group metadata value version {vv} is unknown")
        v = _GROUP_VALUE.from_bytes(value[2:], vv)
        members = [
            StoredMember(
                m["member_id"],
                m["group_instance_id"] if vv >= 3 else None,
                m["client_id"],
                m["client_host"],
                m["rebalance_timeout"] if vv >= 1 else m["session_timeout"],
                m["session_timeout"],
                bytes(m["subscription"]),
                bytes(m["assignment"]),
            )
            for m in v["members"]
        ]
        return GroupRecord(
            g,
            StoredGroup(
                v["protocol_type"],
                v["generation"],
                v["protocol"],
                v["leader"],
                v["current_state_timestamp"],
                members,
            ),
        )
    raise OffsetsRecordError(f"key version {kv} is not an offset commit (0, 1) or group metadata (2) key")


def read_partition(plog, chunk: int = 1 << 20) -> Iterator[OffsetRecord | GroupRecord]:
    """Every record of one `__consumer_offsets` partition, oldest first. Offsets committed in a
    transaction (TxnOffsetCommit: transactional batches) count from their producer's COMMIT
    marker on and are dropped at its ABORT, as Kafka's GroupMetadataManager loads them; those
    whose transaction is still open at the end are left out."""
    offset = plog.log_start_offset
    end = plog.log_end_offset
    open_txns: dict[int, list[OffsetRecord | GroupRecord]] = {}
    while offset < end:
        data = plog.read(offset, chunk, min_one=True)
        if not data:
            break
        last = offset
        for header, raw in iter_batches(data, verify_crc=True):
            if header.next_offset <= offset:
                continue
            last = header.next_offset
            keyed = [
                (rec.key, rec.value)
                for rec in iter_records(raw, header)
                if rec.offset >= offset and rec.key is not None
            ]
            if header.is_control:
                pending = open_txns.pop(header.producer_id, [])
                if keyed and keyed[0][0][2:4] == _COMMIT_TYPE:
                    yield from pending
                continue
            decoded = [decode(k, v) for k, v in keyed]
            if header.is_transactional:
                open_txns.setdefault(header.producer_id, []).extend(decoded)
            else:
                yield from decoded
        if last <= offset:
            break  # no progress: stop rather than loop
        offset = last


def replay(records) -> tuple[dict[str, StoredGroup], dict[str, dict[tuple[str, int], CommittedOffset]]]:
    """Fold records (oldest first) into the latest group metadata and offsets per group."""
    groups: dict[str, StoredGroup] = {}
    offsets: dict[str, dict[tuple[str, int], CommittedOffset]] = {}
    for rec in records:
        if isinstance(rec, GroupRecord):
            if rec.value is None:
                groups.pop(rec.group, None)
            else:
                groups[rec.group] = rec.value
        else:
            per = offsets.setdefault(rec.group, {})
            if rec.value is None:
                per.pop((rec.topic, rec.partition), None)
            else:
                per[(rec.topic, rec.partition)] = rec.value
    return groups, {g: o for g, o in offsets.items() if o}
