"""DeleteRecords (key 21): request and response as Kafka declares them (DeleteRecordsRequest.json and
DeleteRecordsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/delete_records.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, INT64, STRING, Array, F, Message, Struct

NAME = "DeleteRecords"
LATEST = 2

KEY = 21

REQUEST = Message(
    Struct(
        F(
            "topics",
            Array(
                Struct(
                    F("name", STRING),
                    F("partitions", Array(Struct(F("partition_index", INT32), F("offset", INT64)))),
                )
            ),
        ),
        F("timeout_ms", INT32),
    ),
    first_flexible=2,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "topics",
            Array(
                Struct(
                    F("name", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition_index", INT32), F("low_watermark", INT64), F("error_code", INT16)
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=2,
)
