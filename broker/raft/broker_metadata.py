"""How a broker of a multi-voter quorum learns metadata: from `__cluster_metadata-0` itself. A
voter reads its own replica of the log; a broker-only node fetches it as an observer (Fetch with
its node id, as Kafka's brokers do). Each new high watermark replays the committed metadata
records (Kafka's MetadataLoader) and applies what they changed (broker_publisher.py: the whole
image only when first caught up, or after a failed apply); registration and heartbeats still go to
the active controller (BrokerLifecycle)."""

from __future__ import annotations

import asyncio

from ..cluster.lifecycle import BrokerLifecycle
from . import broker_publisher, state_codec
from .client import RaftClient
from .quorum_controller import MetadataFollower


class LogFollowingLifecycle(BrokerLifecycle):
    def __init__(self, node, client, raft: RaftClient):
        super().__init__(node, client)
        self.raft = raft
        self.follower = MetadataFollower(raft, node.metadata.cluster_id)
        self._dirty = asyncio.Event()
        self._whole = True  # publish the whole image next (first catch-up, or a failed apply)
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
            delta = self.follower.advance(hw)
            leader = self.raft.state.leader_id
            try:
                if self._whole:
                    snap = state_codec.to_snapshot(self.follower.image, leader, hw)
                    todo = self.node.logs_to_make(snap)
                    if todo:  # thousands of new partitions: mkdir and fsync off the event loop
                        await asyncio.get_running_loop().run_in_executor(None, self.node.make_logs, todo)
                    self.node.apply_snapshot(snap)
                    self._whole = False
                elif delta:  # then only what the new records touched (broker_publisher.py)
                    await broker_publisher.publish_delta_async(self.node, self.follower.image, delta, leader)
            except Exception as exc:  # keep following; the next change applies the whole image
                self.log.error(f"Error applying metadata up to offset {hw}: {exc}", exc_info=exc)
                self._whole = True
                continue
            self.metadata_applied(hw)
