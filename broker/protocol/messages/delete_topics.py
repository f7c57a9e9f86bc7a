"""DeleteTopics (key 20): request and response as Kafka declares them (DeleteTopicsRequest.json and
DeleteTopicsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/delete_topics.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, STRING, UUID, Array, F, Message, Struct

NAME = "DeleteTopics"
LATEST = 6

KEY = 20

REQUEST = Message(
    Struct(
        F("topics", Array(Struct(F("name", STRING, 6, null=6), F("topic_id", UUID, 6))), 6),
        F("topic_names", Array(STRING), 0, 5),
        F("timeout_ms", INT32),
    ),
    first_flexible=4,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F(
            "responses",
            Array(
                Struct(
                    F("name", STRING, null=6),
                    F("topic_id", UUID, 6),
                    F("error_code", INT16),
                    F("error_message", STRING, 5, null=5),
                )
            ),
        ),
    ),
    first_flexible=4,
)
