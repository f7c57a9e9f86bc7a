"""ListGroups (key 16): request and response as Kafka declares them (ListGroupsRequest.json and
ListGroupsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/list_groups.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, STRING, Array, F, Message, Struct

NAME = "ListGroups"
LATEST = 4

KEY = 16

REQUEST = Message(Struct(F("states_filter", Array(STRING), 4)), first_flexible=3)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32, 1),
        F("error_code", INT16),
        F(
            "groups",
            Array(Struct(F("group_id", STRING), F("protocol_type", STRING), F("group_state", STRING, 4))),
        ),
    ),
    first_flexible=3,
)
