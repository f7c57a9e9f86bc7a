"""OffsetFetch (key 9): request and response as Kafka declares them, every version up to LATEST.

The one declaration of this message: the broker's handler (broker/apis/offset_fetch.py) serves a
sub-range of versions; netlab's capture layers and clients build from the same objects.
"""

from __future__ import annotations

from ..schema import BOOL, INT16, INT32, INT64, STRING, UUID, Array, F, Message, Struct

KEY = 9
NAME = "OffsetFetch"
LATEST = 10  # the newest version declared here (Kafka 4.x)

_REQUEST_GROUP = Struct(
    F("group_id", STRING),
    F("member_id", STRING, 9, null=9),
    F("member_epoch", INT32, 9, default=-1),
    F(
        "topics",
        Array(Struct(F("name", STRING, 8, 9), F("topic_id", UUID, 10), F("partition_indexes", Array(INT32)))),
        null=8,
    ),
)
REQUEST = Message(
    Struct(
        F("group_id", STRING, 0, 7),
        F("topics", Array(Struct(F("name", STRING), F("partition_indexes", Array(INT32)))), 0, 7, null=2),
        F("groups", Array(_REQUEST_GROUP), 8),
        F("require_stable", BOOL, 7),
    ),
    first_flexible=6,
)

_GROUP_PARTITION = Struct(
    F("partition_index", INT32),
    F("committed_offset", INT64),
    F("committed_leader_epoch", INT32, default=-1),
    F("metadata", STRING, null=8),
    F("error_code", INT16),
)
_RESPONSE_GROUP = Struct(
    F("group_id", STRING),
    F(
        "topics",
        Array(
            Struct(F("name", STRING, 8, 9), F("topic_id", UUID, 10), F("partitions", Array(_GROUP_PARTITION)))
        ),
    ),
    F("error_code", INT16),
)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 3),
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
                                F("committed_offset", INT64),
                                F("committed_leader_epoch", INT32, 5, default=-1),
                                F("metadata", STRING, null=0),
                                F("error_code", INT16),
                            )
                        ),
                    ),
                )
            ),
            0,
            7,
        ),
        F("error_code", INT16, 2, 7),
        F("groups", Array(_RESPONSE_GROUP), 8),
    ),
    first_flexible=6,
)
