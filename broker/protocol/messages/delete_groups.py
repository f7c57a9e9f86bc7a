"""DeleteGroups (key 42): request and response as Kafka declares them (DeleteGroupsRequest.json and
DeleteGroupsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/delete_groups.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, INT32, STRING, Array, F, Message, Struct

NAME = "DeleteGroups"
LATEST = 2

KEY = 42

REQUEST = Message(Struct(F("groups_names", Array(STRING))), first_flexible=2)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("results", Array(Struct(F("group_id", STRING), F("error_code", INT16)))),
    ),
    first_flexible=2,
)
