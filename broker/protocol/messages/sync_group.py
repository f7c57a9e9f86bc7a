"""SyncGroup (key 14): request and response as Kafka declares them, every version up to LATEST.

The one declaration of this message: the broker's handler (broker/apis/sync_group.py) serves a
sub-range of versions; netlab's capture layers and clients build from the same objects.
"""

from __future__ import annotations

from ..schema import BYTES, INT16, INT32, STRING, Array, F, Message, Struct

KEY = 14
NAME = "SyncGroup"
LATEST = 5  # the newest version declared here (Kafka 4.x)

REQUEST = Message(
    Struct(
        F("group_id", STRING),
        F("generation_id", INT32),
        F("member_id", STRING),
        F("group_instance_id", STRING, 3, null=3),
        F("protocol_type", STRING, 5, null=5),
        F("protocol_name", STRING, 5, null=5),
        F("assignments", Array(Struct(F("member_id", STRING), F("assignment", BYTES)))),
    ),
    first_flexible=4,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F("error_code", INT16),
        F("protocol_type", STRING, 5, null=5),
        F("protocol_name", STRING, 5, null=5),
        F("assignment", BYTES),
    ),
    first_flexible=4,
)
