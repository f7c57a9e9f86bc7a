"""DescribeLogDirs (key 35): request and response as Kafka declares them (DescribeLogDirsRequest.json
and DescribeLogDirsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/describe_log_dirs.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, INT16, INT32, INT64, STRING, Array, F, Message, Struct

NAME = "DescribeLogDirs"
LATEST = 4

KEY = 35

REQUEST = Message(
    Struct(
        F("topics", Array(Struct(F("topic", STRING), F("partitions", Array(INT32)))), null=0),
    ),
    first_flexible=2,
)

_PARTITION = Struct(
    F("partition_index", INT32),
    F("partition_size", INT64),
    F("offset_lag", INT64),
    F("is_future_key", BOOL),
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16, 3),
        F(
            "results",
            Array(
                Struct(
                    F("error_code", INT16),
                    F("log_dir", STRING),
                    F("topics", Array(Struct(F("name", STRING), F("partitions", Array(_PARTITION))))),
                    F("total_bytes", INT64, 4, default=-1),
                    F("usable_bytes", INT64, 4, default=-1),
                )
            ),
        ),
    ),
    first_flexible=2,
)
