"""OffsetForLeaderEpoch (key 23): request and response as Kafka declares them
(OffsetForLeaderEpochRequest.json and OffsetForLeaderEpochResponse.json), every version up to LATEST
(the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/offset_for_leader_epoch.py)
and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, INT64, STRING, Array, F, Message, Struct

NAME = "OffsetForLeaderEpoch"
LATEST = 4

KEY = 23

REQUEST = Message(
    Struct(
        F("replica_id", INT32, 3, default=-2),
        F(
            "topics",
            Array(
                Struct(
                    F("topic", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition", INT32),
                                F("current_leader_epoch", INT32, 2, default=-1),
                                F("leader_epoch", INT32),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=4,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 2),
        F(
            "topics",
            Array(
                Struct(
                    F("topic", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("error_code", INT16),
                                F("partition", INT32),
                                F("leader_epoch", INT32, 1, default=-1),
                                F("end_offset", INT64, default=-1),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=4,
)
