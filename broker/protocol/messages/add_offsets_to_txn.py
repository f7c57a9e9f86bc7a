"""AddOffsetsToTxn (key 25): request and response as Kafka declares them (AddOffsetsToTxnRequest.json
and AddOffsetsToTxnResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/add_offsets_to_txn.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, INT64, STRING, F, Message, Struct

NAME = "AddOffsetsToTxn"
LATEST = 3

KEY = 25

REQUEST = Message(
    Struct(
        F("transactional_id", STRING),
        F("producer_id", INT64),
        F("producer_epoch", INT16),
        F("group_id", STRING),
    ),
    first_flexible=3,
)

RESPONSE = Message(Struct(F("throttle_time_ms", INT32), F("error_code", INT16)), first_flexible=3)
