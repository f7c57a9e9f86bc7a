"""The controller of a multi-voter quorum. Every voter keeps one; only the Raft leader's is
active (Kafka's QuorumController on the active controller). A change is written to the metadata
log as Kafka's metadata records (broker/raft/state_codec.py) and is visible to brokers once
committed (the high watermark passed it); a standby replays committed records, so a new leader
starts from the same state."""

from __future__ import annotations

import time

from ..cluster.controller import Controller
from ..cluster.metadata import ClusterMetadata
from ..protocol.errors import ErrorCode
from . import state_codec
from .client import RaftClient


class MetadataFollower:
    """An image rebuilt by replaying the log's data records up to an offset (Kafka's
    MetadataLoader); records below the high watermark are never truncated, so it only grows."""

    def __init__(self, raft: RaftClient, cluster_id: str):
        self.raft = raft
        self.image = state_codec.empty_image(cluster_id)
        self.offset = 0

    def advance(self, end: int) -> bool:
        changed = False
        for _offset, value in self.raft.mlog.data_values(self.offset, end):
            state_codec.replay(self.image, value)
            changed = True
        self.offset = max(self.offset, end)
        return changed

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
        self._just_written: tuple[int, int, dict] | None = None  # (start, end, image) being appended
        super().__init__(node_id, ClusterMetadata(cluster_id, node_id), session_timeout_ms)
        raft.on_leader, raft.on_resign = self.activate, self.deactivate
        raft.commit_listeners.append(self.committed)

    def publish(self) -> None:
        if not self.active:
            raise NotActiveError()
        new = state_codec.image_of(self)
        records = state_codec.diff(self._written, new)
        if records:
            start = self.raft.mlog.end_offset
            self._just_written = (start, start + len(records), new)
            try:
                self.raft.append(records)  # a quorum of one commits them before this returns
            finally:
                self._just_written = None
            self._written = new
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
        known = self._just_written
        if known is not None and self.committed_image.offset == known[0] and hw == known[1]:
            # committed as they were written (a quorum of one): the image after them is the one
            # just diffed against, so thousands of records need not be decoded again
            self.committed_image.image, self.committed_image.offset = known[2], hw
        else:
            self.committed_image.advance(hw)
        if not self.active:
            state_codec.load_into(self, self.committed_image.image, time.monotonic())

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
