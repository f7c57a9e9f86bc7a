"""Heartbeat (key 12): request and response as Kafka declares them, every version up to LATEST.

The one declaration of this message: the broker's handler (broker/apis/heartbeat.py) serves a
sub-range of versions; netlab's capture layers and clients build from the same objects.
"""

from __future__ import annotations

from ..schema import INT16, INT32, STRING, F, Message, Struct

KEY = 12
NAME = "Heartbeat"
LATEST = 4  # the newest version declared here (Kafka 4.x)

REQUEST = Message(
    Struct(
        F("group_id", STRING),
        F("generation_id", INT32),
        F("member_id", STRING),
        F("group_instance_id", STRING, 3, null=3),
    ),
    first_flexible=4,
)

RESPONSE = Message(Struct(F("throttle_time_ms", INT32, 1), F("error_code", INT16)), first_flexible=4)
