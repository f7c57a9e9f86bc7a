"""FindCoordinator (key 10): request and response as Kafka declares them, every version up to LATEST.

The one declaration of this message: the broker's handler (broker/apis/find_coordinator.py) serves a
sub-range of versions; netlab's capture layers and clients build from the same objects.
"""

from __future__ import annotations

from ..schema import INT8, INT16, INT32, STRING, Array, F, Message, Struct

KEY = 10
NAME = "FindCoordinator"
LATEST = 6  # the newest version declared here (Kafka 4.x)
GROUP_KEY_TYPE, TRANSACTION_KEY_TYPE = 0, 1

REQUEST = Message(
    Struct(
        F("key", STRING, 0, 3),
        F("key_type", INT8, 1),
        F("coordinator_keys", Array(STRING), 4),
    ),
    first_flexible=3,
)

_COORDINATOR = Struct(
    F("key", STRING, 4),
    F("node_id", INT32, 4),
    F("host", STRING, 4),
    F("port", INT32, 4),
    F("error_code", INT16, 4),
    F("error_message", STRING, 4, null=4),
)
RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F("error_code", INT16, 0, 3),
        F("error_message", STRING, 1, 3, null=1),
        F("node_id", INT32, 0, 3),
        F("host", STRING, 0, 3),
        F("port", INT32, 0, 3),
        F("coordinators", Array(_COORDINATOR), 4),
    ),
    first_flexible=3,
)
