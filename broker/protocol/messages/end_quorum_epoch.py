"""EndQuorumEpoch (key 54), v0: a resigning KRaft leader names its preferred successors.

The one declaration of these messages (Kafka's clients/src/main/resources/common/message/
EndQuorumEpochRequest.json and EndQuorumEpochResponse.json), up to LATEST: the broker's handler
(broker/apis/end_quorum_epoch.py) and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT32, STRING, Array, F, Message, Struct
from .begin_quorum_epoch import RESPONSE as RESPONSE  # the same answer (EndQuorumEpochResponse.json)

NAME = "EndQuorumEpoch"
LATEST = 0
KEY = 54

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
                                F("leader_id", INT32),
                                F("leader_epoch", INT32),
                                F("preferred_successors", Array(INT32)),
                            )
                        ),
                    ),
                )
            ),
        ),
    )
)
