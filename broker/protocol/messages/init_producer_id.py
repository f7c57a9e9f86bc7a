"""InitProducerId (key 22): request and response as Kafka declares them (InitProducerIdRequest.json and
InitProducerIdResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/init_producer_id.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, INT64, STRING, F, Message, Struct

NAME = "InitProducerId"
LATEST = 4

KEY = 22

REQUEST = Message(
    Struct(
        F("transactional_id", STRING, null=0),
        F("transaction_timeout_ms", INT32),
        F("producer_id", INT64, 3, default=-1),
        F("producer_epoch", INT16, 3, default=-1),
    ),
    first_flexible=2,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16),
        F("producer_id", INT64, default=-1),
        F("producer_epoch", INT16),
    ),
    first_flexible=2,
)
