"""LeaveGroup (key 13): request and response as Kafka declares them, every version up to LATEST.

The one declaration of this message: the broker's handler (broker/apis/leave_group.py) serves a
sub-range of versions; netlab's capture layers and clients build from the same objects.
"""

from __future__ import annotations

from ..schema import INT16, INT32, STRING, Array, F, Message, Struct

KEY = 13
NAME = "LeaveGroup"
LATEST = 5  # the newest version declared here (Kafka 4.x)

REQUEST = Message(
    Struct(
        F("group_id", STRING),
        F("member_id", STRING, 0, 2),
        F(
            "members",
            Array(
                Struct(
                    F("member_id", STRING, 3),
                    F("group_instance_id", STRING, 3, null=3),
                    F("reason", STRING, 5, null=5),
                )
            ),
            3,
        ),
    ),
    first_flexible=4,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F("error_code", INT16),
        F(
            "members",
            Array(
                Struct(
                    F("member_id", STRING, 3),
                    F("group_instance_id", STRING, 3, null=3),
                    F("error_code", INT16, 3),
                )
            ),
            3,
        ),
    ),
    first_flexible=4,
)
