"""WriteTxnMarkers (key 27): request and response as Kafka declares them (WriteTxnMarkersRequest.json
and WriteTxnMarkersResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/write_txn_markers.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT16, INT32, INT64, STRING, Array, F, Message, Struct

NAME = "WriteTxnMarkers"
LATEST = 1

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
