"""DescribeGroups (key 15): request and response as Kafka declares them (DescribeGroupsRequest.json and
DescribeGroupsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/describe_groups.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, BYTES, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "DescribeGroups"
LATEST = 5

KEY = 15

NO_AUTHORIZED_OPS = -2147483648

REQUEST = Message(
    Struct(
        F("groups", Array(STRING)),
        F("include_authorized_operations", BOOL, 3),
    ),
    first_flexible=5,
)

_MEMBER = Struct(
    F("member_id", STRING),
    F("group_instance_id", STRING, 4, null=4),
    F("client_id", STRING),
    F("client_host", STRING),
    F("member_metadata", BYTES),
    F("member_assignment", BYTES),
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F(
            "groups",
            Array(
                Struct(
                    F("error_code", INT16),
                    F("group_id", STRING),
                    F("group_state", STRING),
                    F("protocol_type", STRING),
                    F("protocol_data", STRING),
                    F("members", Array(_MEMBER)),
                    F("authorized_operations", INT32, 3, default=NO_AUTHORIZED_OPS),
                )
            ),
        ),
    ),
    first_flexible=5,
)
