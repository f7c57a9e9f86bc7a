"""LeaderAndIsr (key 4), v0-7: the ZooKeeper-mode controller tells a broker which partitions it
leads or follows (leader, leader epoch, ISR, replicas, the state znode's version); served to
ZooKeeper-mode brokers (broker/zk/broker.py applies it, checking the broker epoch and v7's
isKRaftController as Kafka's KafkaApis.handleLeaderAndIsrRequest does)."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.leader_and_isr import KEY, REQUEST, RESPONSE, partition_states
from ..request_context import RequestContext

__all__ = ["API", "partition_states"]


async def handle(ctx: RequestContext, req: dict) -> dict:
    zk = getattr(ctx.node, "zk", None)
    if zk is None:  # a KRaft or single node: no ZooKeeper controller may steer it
        return {"error_code": ErrorCode.STALE_CONTROLLER_EPOCH}
    return await zk.on_leader_and_isr(req, ctx.api_version)


API = Api(KEY, "LeaderAndIsr", 0, 7, REQUEST, RESPONSE, handle)
