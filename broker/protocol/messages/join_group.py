"""JoinGroup (key 11): request and response as Kafka declares them, every version up to LATEST.

The one declaration of this message: the broker's handler (broker/apis/join_group.py) serves a
sub-range of versions; netlab's capture layers and clients build from the same objects.
"""

from __future__ import annotations

from ..schema import BOOL, BYTES, INT16, INT32, STRING, Array, F, Message, Struct

KEY = 11
NAME = "JoinGroup"
LATEST = 9  # the newest version declared here (Kafka 4.x)

REQUEST = Message(
    Struct(
        F("group_id", STRING),
        F("session_timeout_ms", INT32),
        F("rebalance_timeout_ms", INT32, 1, default=-1),
        F("member_id", STRING),
        F("group_instance_id", STRING, 5, null=5),
        F("protocol_type", STRING),
        F("protocols", Array(Struct(F("name", STRING), F("metadata", BYTES)))),
        F("reason", STRING, 8, null=8),
    ),
    first_flexible=6,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 2),
        F("error_code", INT16),
        F("generation_id", INT32, default=-1),
        F("protocol_type", STRING, 7, null=7),
        F("protocol_name", STRING, null=7),
        F("leader", STRING),
        F("skip_assignment", BOOL, 9),
        F("member_id", STRING),
        F(
            "members",
            Array(
                Struct(
                    F("member_id", STRING), F("group_instance_id", STRING, 5, null=5), F("metadata", BYTES)
                )
            ),
        ),
    ),
    first_flexible=6,
)
