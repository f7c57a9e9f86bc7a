"""WriteTxnMarkers (key 27), v0–1: a transaction coordinator asks this broker, the leader of the
partitions, to append COMMIT/ABORT markers (broker/txn/markers.py). Kafka allows it only to
brokers (CLUSTER_ACTION); there are no ACLs here."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.schema import BOOL, INT16, INT32, INT64, STRING, Array, F, Message, Struct
from ..request_context import RequestContext
from ..txn.markers import write_marker

KEY = 27

REQUEST = Message(
    Struct(
        F(
            "markers",
            Array(
                Struct(
                    F("producer_id", INT64),
                    F("producer_epoch", INT16),
                    F("transaction_result", BOOL),
                    F("topics", Array(Struct(F("name", STRING), F("partition_indexes", Array(INT32))))),
                    F("coordinator_epoch", INT32),
                )
            ),
        )
    ),
    first_flexible=1,
)
_PARTITION = Struct(F("partition_index", INT32), F("error_code", INT16))
RESPONSE = Message(
    Struct(
        F(
            "markers",
            Array(
                Struct(
                    F("producer_id", INT64),
                    F("topics", Array(Struct(F("name", STRING), F("partitions", Array(_PARTITION))))),
                )
            ),
        )
    ),
    first_flexible=1,
)


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
