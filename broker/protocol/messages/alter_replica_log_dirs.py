"""AlterReplicaLogDirs (key 34), v0-2: move replicas of this broker between its log dirs.

The one declaration of these messages (Kafka's AlterReplicaLogDirsRequest.json and
AlterReplicaLogDirsResponse.json), up to LATEST: the broker's handler
(broker/apis/alter_replica_log_dirs.py) and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, STRING, Array, F, Message, Struct

NAME = "AlterReplicaLogDirs"
LATEST = 2
KEY = 34

REQUEST = Message(
    Struct(
        F(
            "dirs",
            Array(
                Struct(
                    F("path", STRING),  # an absolute path, as in log.dirs
                    F("topics", Array(Struct(F("name", STRING), F("partitions", Array(INT32))))),
                )
            ),
        ),
    ),
    first_flexible=2,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "results",
            Array(
                Struct(
                    F("topic_name", STRING),
                    F("partitions", Array(Struct(F("partition_index", INT32), F("error_code", INT16)))),
                )
            ),
        ),
    ),
    first_flexible=2,
)
