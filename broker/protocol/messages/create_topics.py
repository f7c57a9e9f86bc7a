"""CreateTopics (key 19): request and response as Kafka declares them (CreateTopicsRequest.json and
CreateTopicsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/create_topics.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT8, INT16, INT32, STRING, UUID, Array, F, Message, Struct

NAME = "CreateTopics"
LATEST = 7

KEY = 19

REQUEST = Message(
    Struct(
        F(
            "topics",
            Array(
                Struct(
                    F("name", STRING),
                    F("num_partitions", INT32),
                    F("replication_factor", INT16),
                    F(
                        "assignments",
                        Array(Struct(F("partition_index", INT32), F("broker_ids", Array(INT32)))),
                    ),
                    F("configs", Array(Struct(F("name", STRING), F("value", STRING, null=0)))),
                )
            ),
        ),
        F("timeout_ms", INT32, default=60000),
        F("validate_only", BOOL, 1),
    ),
    first_flexible=5,
)

_CONFIG = Struct(
    F("name", STRING, 5),
    F("value", STRING, 5, null=5),
    F("read_only", BOOL, 5),
    F("config_source", INT8, 5, default=-1),
    F("is_sensitive", BOOL, 5),
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 2),
        F(
            "topics",
            Array(
                Struct(
                    F("name", STRING),
                    F("topic_id", UUID, 7),
                    F("error_code", INT16),
                    F("error_message", STRING, 1, null=0),
                    F("topic_config_error_code", INT16, 5, tag=0),
                    F("num_partitions", INT32, 5, default=-1),
                    F("replication_factor", INT16, 5, default=-1),
                    F("configs", Array(_CONFIG), 5, null=5),
                )
            ),
        ),
    ),
    first_flexible=5,
)
