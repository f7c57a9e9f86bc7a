"""UpdateMetadata (key 6), v0-8: the ZooKeeper-mode controller sends every broker the live brokers
(with each listener's advertised endpoint) and every partition's leader and ISR: what the
broker's Metadata answers come from (broker/zk/broker.py applies it, checking the broker epoch
and v8's isKRaftController / Type as Kafka's KafkaApis and ZkMetadataCache do)."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.update_metadata import KEY, REQUEST, RESPONSE, partition_states
from ..request_context import RequestContext

__all__ = ["API", "partition_states"]


async def handle(ctx: RequestContext, req: dict) -> dict:
    zk = getattr(ctx.node, "zk", None)
    if zk is None:
        return {"error_code": ErrorCode.STALE_CONTROLLER_EPOCH}
    return {"error_code": zk.on_update_metadata(req, ctx.api_version, ctx.correlation_id)}


API = Api(KEY, "UpdateMetadata", 0, 8, REQUEST, RESPONSE, handle)
