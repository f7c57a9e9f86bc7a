"""DeleteAcls (key 31): request and response as Kafka declares them (DeleteAclsRequest.json and
DeleteAclsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/delete_acls.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT8, INT16, INT32, STRING, Array, F, Message, Struct
from .describe_acls import ACL_FILTER, PATTERN_LITERAL

NAME = "DeleteAcls"
LATEST = 3

KEY = 31

REQUEST = Message(Struct(F("filters", Array(ACL_FILTER))), first_flexible=2)

_MATCH = Struct(
    F("error_code", INT16),
    F("error_message", STRING, null=0),
    F("resource_type", INT8),
    F("resource_name", STRING),
    F("pattern_type", INT8, 1, default=PATTERN_LITERAL),
    F("principal", STRING),
    F("host", STRING),
    F("operation", INT8),
    F("permission_type", INT8),
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "filter_results",
            Array(
                Struct(
                    F("error_code", INT16),
                    F("error_message", STRING, null=0),
                    F("matching_acls", Array(_MATCH)),
                )
            ),
        ),
    ),
    first_flexible=2,
)
