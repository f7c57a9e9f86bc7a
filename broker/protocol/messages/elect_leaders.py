"""ElectLeaders (key 43): request and response as Kafka declares them (ElectLeadersRequest.json and
ElectLeadersResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/elect_leaders.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT8, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "ElectLeaders"
LATEST = 2

KEY = 43

REQUEST = Message(
    Struct(
        F("election_type", INT8, 1),
        F("topic_partitions", Array(Struct(F("topic", STRING), F("partitions", Array(INT32)))), null=0),
        F("timeout_ms", INT32, default=60000),
    ),
    first_flexible=2,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16, 1),
        F(
            "replica_election_results",
            Array(
                Struct(
                    F("topic", STRING),
                    F(
                        "partition_result",
                        Array(
                            Struct(
                                F("partition_id", INT32),
                                F("error_code", INT16),
                                F("error_message", STRING, null=0),
                            )
                        ),
                    ),
                )
            ),
        ),
    ),
    first_flexible=2,
)
