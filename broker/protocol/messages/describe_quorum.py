"""DescribeQuorum (key 55), v0-1: the leader's view of the KRaft quorum (KIP-595, KIP-836).

The one declaration of these messages (Kafka's clients/src/main/resources/common/message/
DescribeQuorumRequest.json and DescribeQuorumResponse.json), up to LATEST: the broker's handler
(broker/apis/describe_quorum.py) and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, INT64, STRING, Array, F, Message, Struct

NAME = "DescribeQuorum"
LATEST = 1
KEY = 55

REQUEST = Message(
    Struct(
        F(
            "topics",
            Array(
                Struct(F("topic_name", STRING), F("partitions", Array(Struct(F("partition_index", INT32)))))
            ),
        )
    ),
    first_flexible=0,
)

_REPLICA = Struct(
    F("replica_id", INT32),
    F("log_end_offset", INT64),
    F("last_fetch_timestamp", INT64, 1, default=-1),
    F("last_caught_up_timestamp", INT64, 1, default=-1),
)

RESPONSE = Message(
    Struct(
        F("error_code", INT16),
        F(
            "topics",
            Array(
                Struct(
                    F("topic_name", STRING),
                    F(
                        "partitions",
                        Array(
                            Struct(
                                F("partition_index", INT32),
                                F("error_code", INT16),
                                F("leader_id", INT32),
                                F("leader_epoch", INT32),
                                F("high_watermark", INT64),
                                F("current_voters", Array(_REPLICA)),
                                F("observers", Array(_REPLICA)),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=0,
)
