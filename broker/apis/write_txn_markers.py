"""WriteTxnMarkers (key 27), v0–1: a transaction coordinator asks this broker, the leader of the
partitions, to append COMMIT/ABORT markers (broker/txn/markers.py). Kafka allows it only to
brokers (CLUSTER_ACTION); there are no ACLs here."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.messages.write_txn_markers import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext
from ..txn.markers import write_marker


async def handle(ctx: RequestContext, req: dict) -> dict:
    out = []
    for mk in req["markers"]:
        topics = []
        for t in mk["topics"]:
            parts = []
            for p in t["partition_indexes"]:
                err = write_marker(
                    ctx.node,
                    t["name"],
                    p,
                    mk["producer_id"],
                    mk["producer_epoch"],
                    mk["transaction_result"],
                    mk["coordinator_epoch"],
                )
                parts.append({"partition_index": p, "error_code": err})
            topics.append({"name": t["name"], "partitions": parts})
        out.append({"producer_id": mk["producer_id"], "topics": topics})
    return {"markers": out}


API = Api(KEY, "WriteTxnMarkers", 0, 1, REQUEST, RESPONSE, handle)
