"""The controller of a multi-voter quorum. Every voter keeps one; only the Raft leader's is
active (Kafka's QuorumController on the active controller). A change is written to the metadata
log as Kafka's metadata records (broker/raft/state_codec.py) and is visible to brokers once
committed (the high watermark passed it); a standby replays committed records, so a new leader
starts from the same state."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..cluster.controller import Controller
from ..cluster.metadata import ClusterMetadata
from ..protocol.errors import ErrorCode
from . import state_codec
from .client import RaftClient
from .metadata_delta import MetadataDelta


class MetadataFollower:
    """An image rebuilt by replaying the log's data records up to an offset (Kafka's
    MetadataLoader); records below the high watermark are never truncated, so it only grows.
    Each advance replays just the new records and says what they touched (a MetadataDelta), so
    its readers apply only that."""

    def __init__(self, raft: RaftClient, cluster_id: str):
        self.raft = raft
        self.image = state_codec.empty_image(cluster_id)
        self.offset = 0

    def advance(self, end: int) -> MetadataDelta:
        delta = MetadataDelta()
        for _offset, value in self.raft.mlog.data_values(self.offset, end):
            state_codec.replay(self.image, value, delta)
        self.offset = max(self.offset, end)
        return delta

    def image_at_log_end(self) -> dict:
        """The committed image plus the uncommitted tail (a new leader's starting point)."""
        image = state_codec.copy_image(self.image)
        for _offset, value in self.raft.mlog.data_values(self.offset, self.raft.mlog.end_offset):
            state_codec.replay(image, value)
        return image


class QuorumController(Controller):
    def __init__(self, node_id: int, cluster_id: str, raft: RaftClient, session_timeout_ms: int, config):
        self.raft = raft
        self.config = config
        self.active = False
        self.features: dict[str, int] = {}
        self.committed_image = MetadataFollower(raft, cluster_id)
        self._written = state_codec.empty_image(cluster_id)  # what the active controller has written
        # called after each commit with (committed image, what the new records touched, HW)
        self.publishers: list[Callable[[dict, MetadataDelta, int], None]] = []
        super().__init__(node_id, ClusterMetadata(cluster_id, node_id), session_timeout_ms)
        raft.on_leader, raft.on_resign = self.activate, self.deactivate
        raft.commit_listeners.append(self.committed)

    def publish(self, topics: set[str] | None = None) -> None:
        if not self.active:
            raise NotActiveError()
        # Kafka's controller managers emit just the records of the change; here the change is
        # found by comparing with what was written, restricted to `topics` when the caller
        # knows them, so creating one topic does not compare every other one
        new = state_codec.image_of(self, topics)
        old = self._written if topics is None else state_codec.restrict(self._written, topics)
        records = state_codec.diff(old, new)
        if records:
            self.raft.append(records)  # a quorum of one commits them before this returns
        if topics is None:
            self._written = new
        else:
            state_codec.merge_topics(self._written, new, topics)
        self.version = self.raft.mlog.end_offset  # brokers have it once they applied up to here

    # --- Raft hooks ---
    def activate(self, epoch: int) -> None:
        image = self.committed_image.image_at_log_end()
        state_codec.load_into(self, image, time.monotonic())
        self._written = image
        self.metadata.controller_id = self.node_id
        self.active = True
        self.log.info(
            f"Becoming the active controller at epoch {epoch}, committed offset {self.raft.high_watermark}"
        )
        if "metadata.version" not in self.features:  # a new cluster: Kafka's bootstrap record
            self.features["metadata.version"] = state_codec.METADATA_VERSION_LEVEL
            self.publish()

    def deactivate(self) -> None:
        if self.active:
            self.log.info(
                "Renouncing the leadership due to a metadata log event. Reverting to last stable offset"
            )
        self.active = False

    def committed(self, hw: int) -> None:
        """A new high watermark: replay the newly committed records (only those), then a standby
        loads what they touched and each publisher (the only voter's own broker) applies them."""
        delta = self.committed_image.advance(hw)
        if not self.active and delta:
            state_codec.load_delta(self, self.committed_image.image, delta, time.monotonic())
        for publish in self.publishers:
            publish(self.committed_image.image, delta, hw)

    def register_local(self, broker_id: int, cluster_id: str, incarnation, endpoints, rack) -> None:
        """The only voter's own broker: registered fenced, then unfenced by an in-process
        heartbeat, since a quorum of one has committed (and its broker applied) the record as it
        was written."""
        _, epoch = self.register(broker_id, cluster_id, incarnation, endpoints, rack, local=True)
        self.heartbeat(
            broker_id, epoch, False, want_fence=False, metadata_offset=self.raft.high_watermark - 1
        )

    def check_sessions(self) -> None:
        if self.active:
            super().check_sessions()

    # --- forwarded requests (the NetlabController RPC) ---
    def create_topics(self, topics: list[dict]) -> list[dict]:
        out = []
        for t in topics:
            parts = t["partitions"] if t["partitions"] != -1 else self.config["num.partitions"]
            rf = t["replication_factor"]
            rf = rf if rf != -1 else self.config["default.replication.factor"]
            if t.get("assignments"):
                a = t["assignments"]
                err, msg, info = self.create_topic(t["name"], len(a), len(a[0]), t.get("configs"), a)
            elif parts < 1:
                err, msg, info = (
                    ErrorCode.INVALID_PARTITIONS,
                    "Number of partitions must be larger than 0.",
                    None,
                )
            elif rf < 1:
                err, msg, info = (
                    ErrorCode.INVALID_REPLICATION_FACTOR,
                    "Replication factor must be larger than 0.",
                    None,
                )
            else:
                internal = t["name"].startswith("__")
                err, msg, info = self.create_topic(
                    t["name"], parts, rf, t.get("configs") or None, internal=internal
                )
            out.append(
                {
                    "name": t["name"],
                    "error_code": int(err),
                    "error_message": msg,
                    "topic_id": str(info.topic_id) if info else None,
                }
            )
        return out


class NotActiveError(Exception):
    pass


def active_controller(node):
    """The controller that may answer a controller RPC here: this voter's quorum controller while
    it is the active (leader) one (always, for the only voter of a quorum of one)."""
    qc = getattr(node, "quorum_controller", None)
    return qc if qc is not None and qc.active else None
