"""EndTxn (key 26): request and response as Kafka declares them (EndTxnRequest.json and
EndTxnResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/end_txn.py) and netlab's
capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT16, INT32, INT64, STRING, F, Message, Struct

NAME = "EndTxn"
LATEST = 3

KEY = 26

REQUEST = Message(
    Struct(
        F("transactional_id", STRING),
        F("producer_id", INT64),
        F("producer_epoch", INT16),
        F("committed", BOOL),
    ),
    first_flexible=3,
)

RESPONSE = Message(Struct(F("throttle_time_ms", INT32), F("error_code", INT16)), first_flexible=3)
