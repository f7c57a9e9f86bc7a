"""The controller of a multi-voter quorum. Every voter keeps one; only the Raft leader's is
active (Kafka's QuorumController on the active controller). Changes are written to the metadata
log and become visible to brokers once committed (the high watermark passed them); a standby
replays committed records, so a new leader starts from the same state."""

from __future__ import annotations

import asyncio
import time

from ..cluster.controller import Controller
from ..cluster.metadata import ClusterMetadata
from ..cluster.snapshot import snapshot
from ..protocol.errors import ErrorCode
from . import state_codec
from .client import RaftClient


class QuorumController(Controller):
    def __init__(self, node_id: int, cluster_id: str, raft: RaftClient, session_timeout_ms: int, config):
        self.raft = raft
        self.config = config
        self.active = False
        self._pending: list[tuple[int, int, dict]] = []  # (offset, version, snapshot) not yet committed
        self._committed: dict = snapshot(ClusterMetadata(cluster_id, -1), 0, {})
        self._applied_to, self._applied_value = 0, None
        super().__init__(node_id, ClusterMetadata(cluster_id, node_id), raft.mlog.dir, session_timeout_ms)
        raft.on_leader, raft.on_resign = self.activate, self.deactivate
        raft.commit_listeners.append(self.committed)

    # --- persistence: the metadata log replaces cluster-metadata.json ---
    def _load(self) -> None:
        pass

    def _save(self) -> None:
        pass

    def has_state(self) -> bool:
        return self.raft.mlog.end_offset > 0

    def _last_state(self, end: int, remember: bool) -> dict | None:
        """The last state written below `end`; only committed scans are remembered (an
        uncommitted tail may still be truncated)."""
        last = self._applied_value
        for _offset, value in self.raft.mlog.data_values(self._applied_to, end):
            last = value
        if remember:
            self._applied_to, self._applied_value = max(end, self._applied_to), last
        return state_codec.decode(last) if last is not None else None

    def publish(self) -> None:
        if not self.active:
            raise NotActiveError()
        self.version += 1
        offset = self.raft.append([state_codec.encode(self, self.version)])
        self._pending.append((offset, self.version, self._snapshot_now()))

    def _snapshot_now(self) -> dict:
        s = snapshot(self.metadata, self.version, self.topic_configs)
        s["controller_id"] = self.node_id
        return s

    # --- Raft hooks ---
    def activate(self, epoch: int) -> None:
        state = self._last_state(self.raft.mlog.end_offset, remember=False)
        if state is not None:
            state_codec.load_into(self, state, time.monotonic())
        self.metadata.controller_id = self.node_id
        self.active = True
        self._pending = [(self.raft.epoch_start_offset, self.version, self._snapshot_now())]
        self.log.info(f"Becoming the active controller at epoch {epoch}, committed offset {self.raft.high_watermark}")

    def deactivate(self) -> None:
        if self.active:
            self.log.info("Renouncing the leadership due to a metadata log event. Reverting to last stable offset")
        self.active = False
        self._pending = []
        self._wake()

    def committed(self, hw: int) -> None:
        if self.active:
            done = [p for p in self._pending if p[0] < hw]
            self._pending = [p for p in self._pending if p[0] >= hw]
            if done:
                self._committed = done[-1][2]
                self._wake()
            return
        state = self._last_state(hw, remember=True)
        if state is not None:
            state_codec.load_into(self, state, time.monotonic())

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # --- what brokers see: committed state only ---
    def snapshot(self) -> dict:
        return self._committed

    async def wait_newer(self, version: int, timeout_s: float) -> None:
        if self._committed["version"] > version or timeout_s <= 0:
            return
        try:
            await asyncio.wait_for(self._changed.wait(), timeout_s)
        except TimeoutError:
            pass

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
                err, msg, info = ErrorCode.INVALID_PARTITIONS, "Number of partitions must be larger than 0.", None
            elif rf < 1:
                err, msg, info = (
                    ErrorCode.INVALID_REPLICATION_FACTOR,
                    "Replication factor must be larger than 0.",
                    None,
                )
            else:
                internal = t["name"].startswith("__")
                err, msg, info = self.create_topic(t["name"], parts, rf, t.get("configs") or None, internal=internal)
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
    """The controller that may answer a controller RPC here: the in-process one of a single-voter
    node, or this voter's quorum controller while it is the active (leader) one."""
    if node.controller is not None:
        return node.controller
    qc = getattr(node, "quorum_controller", None)
    return qc if qc is not None and qc.active else None
