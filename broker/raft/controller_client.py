"""A broker's calls to the active controller of a multi-voter quorum. Which voter is active
changes with elections; a call that fails to connect or is answered NOT_CONTROLLER moves on to
the next voter (Kafka's NodeToControllerChannelManager learns the active controller from the
metadata log; we find it by asking)."""

from __future__ import annotations

import asyncio

from ..cluster.channel import NodeChannel
from ..cluster.errors import ChannelError
from ..cluster.lifecycle import RemoteControllerClient
from ..log4j import logger
from ..protocol.errors import ErrorCode


class _RotatingChannel:
    """Looks like a NodeChannel to BrokerLifecycle; tries each voter once per request."""

    def __init__(self, owner: QuorumControllerClient, name: str):
        self.owner, self.name = owner, name
        self._channels: dict[int, NodeChannel] = {}

    def _channel(self, vid: int) -> NodeChannel:
        ch = self._channels.get(vid)
        if ch is None:
            host, port = self.owner.voters[vid]
            prefix = f"[NodeToControllerChannelManager id={self.owner.node.node_id} name={self.name}]"
            ch = self._channels[vid] = NodeChannel(
                logger("org.apache.kafka.clients.NetworkClient", prefix),
                vid,
                host,
                port,
                f"{self.owner.node.node_id}-{self.name}",
            )
        return ch

    async def request(self, api, version: int, body: dict, timeout_s: float) -> dict:
        order = self.owner.order()
        last: Exception | None = None
        for vid in order:
            try:
                resp = await self._channel(vid).request(api, version, body, timeout_s)
            except ChannelError as exc:
                last = exc
                continue
            if resp.get("error_code") == ErrorCode.NOT_CONTROLLER:
                last = ChannelError(f"node {vid} is not the active controller")
                continue
            self.owner.active = vid
            return resp
        raise ChannelError(str(last) if last else "no controller")

    def close(self) -> None:
        for ch in self._channels.values():
            ch.close()


class QuorumControllerClient(RemoteControllerClient):
    def __init__(self, node, voters: dict[int, tuple[str, int]]):
        vid, (host, port) = next(iter(voters.items()))
        super().__init__(node, vid, host, port)
        self.voters = dict(voters)
        self.active = vid

    def order(self) -> list[int]:
        ids = sorted(self.voters)
        i = ids.index(self.active) if self.active in ids else 0
        return ids[i:] + ids[:i]

    def channel(self, name: str):
        ch = self._channels.get(name)
        if ch is None:
            ch = self._channels[name] = _RotatingChannel(self, name)
            self._locks[name] = asyncio.Lock()
        return ch
