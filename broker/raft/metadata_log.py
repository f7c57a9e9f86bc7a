"""The `__cluster_metadata-0` partition: a real partition in Kafka's record-batch format under
`metadata.log.dir` (default: the first of log.dirs), with leader epochs in every batch header and
a leader-epoch-checkpoint, as KRaft keeps it (Kafka's KafkaMetadataLog over UnifiedLog).

A new leader writes a LeaderChange control batch at the start of its epoch (Kafka's
LeaderChangeMessage, control type 2); controller writes are data batches whose record values are
the controller's state (broker/raft/state_codec.py)."""

from __future__ import annotations

import struct
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from ..cluster.leader_epochs import end_offset_for
from ..log.batch import BatchHeader
from ..log.builder import build_batch
from ..log.config import LogConfig
from ..log.partition_log import PartitionLog
from ..log.records import iter_records

TOPIC = "__cluster_metadata"
PARTITION = 0
# Kafka's Topic.CLUSTER_METADATA_TOPIC_ID: the fixed id AAAAAAAAAAAAAAAAAAAAAQ.
TOPIC_ID = uuid.UUID(int=1)
CONTROL_ATTRIBUTE = 0x20
LEADER_CHANGE_TYPE = 2


def leader_change_value(leader: int, voters: list[int], granting: list[int]) -> bytes:
    """LeaderChangeMessage v0 (flexible): Version, LeaderId, Voters[VoterId], GrantingVoters."""

    def voters_array(ids: list[int]) -> bytes:
        out = bytes([len(ids) + 1])  # compact array length (small counts fit one varint byte)
        for v in ids:
            out += struct.pack(">i", v) + b"\x00"  # each Voter struct ends with empty tagged fields
        return out

    return struct.pack(">hi", 0, leader) + voters_array(voters) + voters_array(granting) + b"\x00"


def parse_leader_change(value: bytes) -> tuple[int, list[int], list[int]]:
    leader = struct.unpack_from(">i", value, 2)[0]
    pos, arrays = 6, []
    for _ in range(2):
        n = value[pos] - 1
        pos += 1
        ids = []
        for _ in range(n):
            ids.append(struct.unpack_from(">i", value, pos)[0])
            pos += 5
        arrays.append(ids)
    return leader, arrays[0], arrays[1]


class MetadataLog:
    def __init__(self, log_dir: Path, config: LogConfig):
        self.dir = log_dir / f"{TOPIC}-{PARTITION}"
        self.plog = PartitionLog(self.dir, TOPIC, PARTITION, TOPIC_ID, config)

    @property
    def end_offset(self) -> int:
        return self.plog.log_end_offset

    def last_epoch(self) -> int:
        epochs = self.plog.leader_epochs
        return epochs[-1][0] if epochs else 0

    def end_offset_for_epoch(self, epoch: int) -> tuple[int, int]:
        """Kafka's LeaderEpochFileCache.endOffsetFor: the largest epoch <= `epoch` we have and
        the offset where it ends (the start of the next epoch, or the log end)."""
        return end_offset_for(self.plog.leader_epochs, self.end_offset, epoch)

    def _append(self, records: list[tuple], epoch: int, attributes: int) -> int:
        base = self.end_offset
        batch = build_batch(
            records,
            base_offset=base,
            timestamp=int(time.time() * 1000),
            attributes=attributes,
            partition_leader_epoch=epoch,
        )
        self.plog.append_as_follower(batch)
        self.plog.flush()  # a Raft voter acknowledges only what is on disk
        return base

    def append_leader_change(self, epoch: int, leader: int, voters: list[int], granting: list[int]) -> int:
        key = struct.pack(">hh", 0, LEADER_CHANGE_TYPE)  # control record key: version, type
        return self._append([(key, leader_change_value(leader, voters, granting))], epoch, CONTROL_ATTRIBUTE)

    def append_values(self, epoch: int, values: list[bytes]) -> int:
        """Controller records (leader only); returns the offset of the first."""
        return self._append([(None, v) for v in values], epoch, 0)

    def append_replicated(self, records: bytes, flush: bool = True) -> None:
        """A follower's append. `flush`: a voter's, which the leader counts towards the high
        watermark once fetched again, so it must be on disk; an observer's is not flushed
        (Kafka's KafkaRaftClient.appendAsFollower flushes only on voters)."""
        if records:
            self.plog.append_as_follower(records)
            if flush:
                self.plog.flush()

    def truncate_to(self, offset: int) -> None:
        self.plog.truncate_to(offset)

    def read(self, offset: int, max_bytes: int) -> bytes:
        return bytes(self.plog.read(offset, max_bytes))

    def batches(self, start: int, end: int) -> Iterator[tuple[BatchHeader, bytes]]:
        """Whole batches with base offset in [start, end)."""
        offset = start
        while offset < end:
            data = bytes(self.plog.read(offset, 1 << 20, max_offset=end))
            if not data:
                return
            pos = 0
            while pos < len(data):
                h = BatchHeader.parse(data, pos)
                if h.base_offset >= end:
                    return
                blob = data[pos : pos + h.size]
                if h.last_offset >= offset:
                    yield h, blob
                pos += h.size
                offset = h.next_offset

    def data_values(self, start: int, end: int) -> Iterator[tuple[int, bytes]]:
        """(offset, value) of the data records in [start, end); control batches are skipped."""
        for h, blob in self.batches(start, end):
            if h.attributes & CONTROL_ATTRIBUTE:
                continue
            for r in iter_records(blob, h):
                if start <= r.offset < end and r.value is not None:
                    yield r.offset, r.value

    def close(self) -> None:
        self.plog.close()
