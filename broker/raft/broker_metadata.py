"""How a broker of a multi-voter quorum learns metadata: from `__cluster_metadata-0` itself. A
voter reads its own replica of the log; a broker-only node fetches it as an observer (Fetch with
its node id, as Kafka's brokers do). Each new high watermark replays the committed metadata
records (Kafka's MetadataLoader) and applies the image; registration and heartbeats still go to
the active controller (BrokerLifecycle)."""

from __future__ import annotations

import asyncio

from ..cluster.lifecycle import BrokerLifecycle
from . import state_codec
from .client import RaftClient
from .quorum_controller import MetadataFollower


class LogFollowingLifecycle(BrokerLifecycle):
    def __init__(self, node, client, raft: RaftClient):
        super().__init__(node, client)
        self.raft = raft
        self.follower = MetadataFollower(raft, node.metadata.cluster_id)
        self._dirty = asyncio.Event()
        raft.commit_listeners.append(lambda hw: self._dirty.set())

    async def _metadata(self) -> None:
        while True:
            await self.registered.wait()
            try:
                await asyncio.wait_for(self._dirty.wait(), 1.0)
            except TimeoutError:
                continue
            self._dirty.clear()
            hw = self.raft.high_watermark
            changed = self.follower.advance(hw)
            if changed or self.metadata_version < 0:
                snap = state_codec.to_snapshot(self.follower.image, self.raft.state.leader_id, hw)
                todo = self.node.logs_to_make(snap)
                if todo:  # thousands of new partitions: mkdir and fsync off the event loop
                    await asyncio.get_running_loop().run_in_executor(None, self.node.make_logs, todo)
                try:
                    self.node.apply_snapshot(snap)
                except Exception as exc:  # keep following; the next image may apply
                    self.log.error(f"Error applying metadata up to offset {hw}: {exc}", exc_info=exc)
                    continue
            self.metadata_applied(hw)
