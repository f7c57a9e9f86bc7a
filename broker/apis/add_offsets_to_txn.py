"""AddOffsetsToTxn (key 25), v0–3: the group's `__consumer_offsets` partition joins the
transaction, so its marker decides the offsets sent with TxnOffsetCommit."""

from __future__ import annotations

from ..group.partitioning import OFFSETS_TOPIC, partition_for
from ..group.store import setting
from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.add_offsets_to_txn import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..txn.coordinator import coordinator_of


async def handle(ctx: RequestContext, req: dict) -> dict:
    info = ctx.node.metadata.topics.get(OFFSETS_TOPIC)
    n = len(info.partitions) if info is not None else setting(ctx.node, "offsets.topic.num.partitions", 50)
    tp = (OFFSETS_TOPIC, partition_for(req["group_id"], n))
    err = await coordinator_of(ctx.node).add_partitions(
        req["transactional_id"], req["producer_id"], req["producer_epoch"], {tp}
    )
    if ctx.api_version < 2 and err == ErrorCode.PRODUCER_FENCED:
        err = ErrorCode.INVALID_PRODUCER_EPOCH
    return {"throttle_time_ms": 0, "error_code": err}


API = Api(KEY, "AddOffsetsToTxn", 0, 3, REQUEST, RESPONSE, handle)
