"""TxnOffsetCommit (key 28): request and response as Kafka declares them (TxnOffsetCommitRequest.json
and TxnOffsetCommitResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/txn_offset_commit.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, INT64, STRING, Array, F, Message, Struct

NAME = "TxnOffsetCommit"
LATEST = 3

KEY = 28

REQUEST = Message(
    Struct(
        F("transactional_id", STRING),
        F("group_id", STRING),
        F("producer_id", INT64),
        F("producer_epoch", INT16),
        F("generation_id", INT32, 3, default=-1),
        F("member_id", STRING, 3),
        F("group_instance_id", STRING, 3, null=3),
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
                                F("committed_leader_epoch", INT32, 2, default=-1),
                                F("committed_metadata", STRING, null=0),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=3,
)

RESPONSE = Message(
    Struct(
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
    ),
    first_flexible=3,
)
