"""How a broker of a multi-voter quorum learns metadata: from `__cluster_metadata-0` itself. A
voter reads its own replica of the log; a broker-only node fetches it as an observer (Fetch with
its node id, as Kafka's brokers do). Each new high watermark applies the last committed state;
registration and heartbeats still go to the active controller (BrokerLifecycle)."""

from __future__ import annotations

import asyncio

from ..cluster.lifecycle import BrokerLifecycle
from . import state_codec
from .client import RaftClient


class LogFollowingLifecycle(BrokerLifecycle):
    def __init__(self, node, client, raft: RaftClient):
        super().__init__(node, client)
        self.raft = raft
        self._applied_to, self._last_value = 0, None
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
            for _offset, value in self.raft.mlog.data_values(self._applied_to, hw):
                self._last_value = value
            self._applied_to = max(self._applied_to, hw)
            if self._last_value is None:
                continue
            state = state_codec.decode(self._last_value)
            if state["version"] != self.metadata_version:
                try:
                    self.node.apply_snapshot(state_codec.to_snapshot(state, self.raft.state.leader_id))
                except Exception as exc:  # keep following; the next state may apply
                    self.log.error(f"Error applying metadata version {state['version']}: {exc}", exc_info=exc)
                    continue
                self.metadata_version = state["version"]
            if not self.caught_up.is_set():
                self.log.info("The broker has caught up. Transitioning from STARTING to RECOVERY.")
                self.log.info("Transitioning from RECOVERY to RUNNING.")
                self.caught_up.set()
