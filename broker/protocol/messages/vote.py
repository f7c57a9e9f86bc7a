"""Vote (key 52), v0: a KRaft candidate asks a voter for its vote (KIP-595).

The one declaration of these messages (Kafka's clients/src/main/resources/common/message/
VoteRequest.json and VoteResponse.json), up to LATEST: the broker's handler
(broker/apis/vote.py) and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT16, INT32, INT64, STRING, Array, F, Message, Struct

NAME = "Vote"
LATEST = 0
KEY = 52

REQUEST = Message(
    Struct(
        F("cluster_id", STRING, null=0),
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
                                F("candidate_epoch", INT32),
                                F("candidate_id", INT32),
                                F("last_offset_epoch", INT32),
                                F("last_offset", INT64),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=0,
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
                                F("vote_granted", BOOL),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=0,
)
