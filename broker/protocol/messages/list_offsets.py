"""ListOffsets (key 2): request and response as Kafka declares them (ListOffsetsRequest.json and
ListOffsetsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/list_offsets.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT8, INT16, INT32, INT64, STRING, Array, F, Message, Struct

NAME = "ListOffsets"
LATEST = 8

KEY = 2

REQUEST = Message(
    Struct(
        F("replica_id", INT32),
        F("isolation_level", INT8, 2),
        F(
            "topics",
            Array(
                Struct(
                    F("name", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition_index", INT32),
                                F("current_leader_epoch", INT32, 4, default=-1),
                                F("timestamp", INT64),
                                F("max_num_offsets", INT32, 0, 0, default=1),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=6,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 2),
        F(
            "topics",
            Array(
                Struct(
                    F("name", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition_index", INT32),
                                F("error_code", INT16),
                                F("old_style_offsets", Array(INT64), 0, 0),
                                F("timestamp", INT64, 1, default=-1),
                                F("offset", INT64, 1, default=-1),
                                F("leader_epoch", INT32, 4, default=-1),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=6,
)
