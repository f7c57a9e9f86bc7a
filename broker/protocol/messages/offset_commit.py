"""OffsetCommit (key 8): request and response as Kafka declares them, every version up to LATEST.

The one declaration of this message: the broker's handler (broker/apis/offset_commit.py) serves a
sub-range of versions; netlab's capture layers and clients build from the same objects.
"""

from __future__ import annotations

from ..schema import INT16, INT32, INT64, STRING, UUID, Array, F, Message, Struct

KEY = 8
NAME = "OffsetCommit"
LATEST = 10  # the newest version declared here (Kafka 4.x)

REQUEST = Message(
    Struct(
        F("group_id", STRING),
        F("generation_id", INT32, 1, default=-1),
        F("member_id", STRING, 1),
        F("group_instance_id", STRING, 7, null=7),
        F("retention_time_ms", INT64, 2, 4, default=-1),
        F(
            "topics",
            Array(
                Struct(
                    F("name", STRING, 0, 9),
                    F("topic_id", UUID, 10),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition_index", INT32),
                                F("committed_offset", INT64),
                                F("committed_leader_epoch", INT32, 6, default=-1),
                                F("commit_timestamp", INT64, 1, 1, default=-1),
                                F("committed_metadata", STRING, null=0),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=8,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 3),
        F(
            "topics",
            Array(
                Struct(
                    F("name", STRING, 0, 9),
                    F("topic_id", UUID, 10),
                    F("partitions", Array(Struct(F("partition_index", INT32), F("error_code", INT16)))),
                )
            ),
        ),
    ),
    first_flexible=8,
)
