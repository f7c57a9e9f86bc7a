"""OffsetDelete (key 47): request and response as Kafka declares them (OffsetDeleteRequest.json and
OffsetDeleteResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/offset_delete.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, STRING, Array, F, Message, Struct

NAME = "OffsetDelete"
LATEST = 0

KEY = 47

REQUEST = Message(
    Struct(
        F("group_id", STRING),
        F(
            "topics",
            Array(Struct(F("name", STRING), F("partitions", Array(Struct(F("partition_index", INT32)))))),
        ),
    )
)

RESPONSE = Message(
    Struct(
        F("error_code", INT16),
        F("throttle_time_ms", INT32),
        F(
            "topics",
            Array(
                Struct(
                    F("name", STRING),
                    F("partitions", Array(Struct(F("partition_index", INT32), F("error_code", INT16)))),
                )
            ),
        ),
    )
)
