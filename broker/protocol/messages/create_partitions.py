"""CreatePartitions (key 37), v0-3: add partitions to existing topics.

The one declaration of these messages (Kafka's CreatePartitionsRequest.json and
CreatePartitionsResponse.json), up to LATEST: the broker's handler
(broker/apis/create_partitions.py) and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "CreatePartitions"
LATEST = 3
KEY = 37

REQUEST = Message(
    Struct(
        F(
            "topics",
            Array(
                Struct(
                    F("name", STRING),
                    F("count", INT32),
                    F("assignments", Array(Struct(F("broker_ids", Array(INT32)))), null=0),
                )
            ),
        ),
        F("timeout_ms", INT32),
        F("validate_only", BOOL),
    ),
    first_flexible=2,
)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "results",
            Array(Struct(F("name", STRING), F("error_code", INT16), F("error_message", STRING, null=0))),
        ),
    ),
    first_flexible=2,
)
