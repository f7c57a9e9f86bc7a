"""BeginQuorumEpoch (key 53), v0: a new KRaft leader announces its epoch to the voters.

The one declaration of these messages (Kafka's clients/src/main/resources/common/message/
BeginQuorumEpochRequest.json and BeginQuorumEpochResponse.json), up to LATEST: the broker's handler
(broker/apis/begin_quorum_epoch.py) and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, STRING, Array, F, Message, Struct

NAME = "BeginQuorumEpoch"
LATEST = 0
KEY = 53

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
                                F("partition_index", INT32), F("leader_id", INT32), F("leader_epoch", INT32)
                            )
                        ),
                    ),
                )
            ),
        ),
    )
)

# The answer of BeginQuorumEpoch and EndQuorumEpoch (the same fields in Kafka's schemas).
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
                            )
                        ),
                    ),
                )
            ),
        ),
    )
)
