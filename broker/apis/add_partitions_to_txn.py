"""AddPartitionsToTxn (key 24), v0–4: a transactional producer names the partitions it is about to
write (broker/txn/coordinator.py). v4 is the brokers' batched form (KIP-890); `verify_only`
answers whether the partitions are already in the transaction without adding them."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.add_partitions_to_txn import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..txn.coordinator import coordinator_of

OPERATION_NOT_ATTEMPTED = 55


def _results(topics: list[dict], code_of) -> list[dict]:
    return [
        {
            "name": t["name"],
            "results_by_partition": [
                {"partition_index": p, "partition_error_code": code_of(t["name"], p)} for p in t["partitions"]
            ],
        }
        for t in topics
    ]


async def _one(ctx: RequestContext, tid: str, pid: int, epoch: int, topics: list[dict], verify: bool) -> list:
    node = ctx.node
    coord = coordinator_of(node)
    wanted = {(t["name"], p) for t in topics for p in t["partitions"]}
    unknown = {
        (t, p)
        for t, p in wanted
        if t not in node.metadata.topics or p not in node.metadata.topics[t].partitions
    }
    if unknown:  # Kafka: the unknown ones UNKNOWN_TOPIC_OR_PARTITION, the rest not attempted
        return _results(
            topics,
            lambda t, p: (
                ErrorCode.UNKNOWN_TOPIC_OR_PARTITION if (t, p) in unknown else OPERATION_NOT_ATTEMPTED
            ),
        )
    if verify:
        errors = coord.verify_partitions(tid, pid, epoch, wanted)
        return _results(topics, lambda t, p: errors.get((t, p), ErrorCode.NONE))
    err = await coord.add_partitions(tid, pid, epoch, wanted)
    if ctx.api_version < 2 and err == ErrorCode.PRODUCER_FENCED:  # older clients know only this one
        err = ErrorCode.INVALID_PRODUCER_EPOCH
    return _results(topics, lambda t, p: err)


async def handle(ctx: RequestContext, req: dict) -> dict:
    if ctx.api_version >= 4:
        out = []
        for tx in req["transactions"]:
            res = await _one(
                ctx,
                tx["transactional_id"],
                tx["producer_id"],
                tx["producer_epoch"],
                tx["topics"],
                tx["verify_only"],
            )
            out.append({"transactional_id": tx["transactional_id"], "topic_results": res})
        return {"throttle_time_ms": 0, "error_code": ErrorCode.NONE, "results_by_transaction": out}
    res = await _one(
        ctx,
        req["v3_and_below_transactional_id"],
        req["v3_and_below_producer_id"],
        req["v3_and_below_producer_epoch"],
        req["v3_and_below_topics"],
        False,
    )
    return {"throttle_time_ms": 0, "results_by_topic_v3_and_below": res}


API = Api(KEY, "AddPartitionsToTxn", 0, 4, REQUEST, RESPONSE, handle)
