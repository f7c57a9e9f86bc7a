"""ListPartitionReassignments (key 46): request and response as Kafka declares them
(ListPartitionReassignmentsRequest.json and ListPartitionReassignmentsResponse.json), every version
up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler
(broker/apis/list_partition_reassignments.py) and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, STRING, Array, F, Message, Struct

NAME = "ListPartitionReassignments"
LATEST = 0

KEY = 46

REQUEST = Message(
    Struct(
        F("timeout_ms", INT32, default=60000),
        F("topics", Array(Struct(F("name", STRING), F("partition_indexes", Array(INT32)))), null=0),
    ),
    first_flexible=0,
)

_PARTITION = Struct(
    F("partition_index", INT32),
    F("replicas", Array(INT32)),
    F("adding_replicas", Array(INT32)),
    F("removing_replicas", Array(INT32)),
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16),
        F("error_message", STRING, null=0),
        F("topics", Array(Struct(F("name", STRING), F("partitions", Array(_PARTITION))))),
    ),
    first_flexible=0,
)
