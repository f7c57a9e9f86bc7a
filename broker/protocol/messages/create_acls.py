"""CreateAcls (key 30): request and response as Kafka declares them (CreateAclsRequest.json and
CreateAclsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/create_acls.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT8, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "CreateAcls"
LATEST = 3

PATTERN_LITERAL = 3  # Kafka's PatternType.LITERAL: v0 requests name resources literally

KEY = 30

REQUEST = Message(
    Struct(
        F(
            "creations",
            Array(
                Struct(
                    F("resource_type", INT8),
                    F("resource_name", STRING),
                    F("resource_pattern_type", INT8, 1, default=PATTERN_LITERAL),
                    F("principal", STRING),
                    F("host", STRING),
                    F("operation", INT8),
                    F("permission_type", INT8),
                )
            ),
        ),
    ),
    first_flexible=2,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("results", Array(Struct(F("error_code", INT16), F("error_message", STRING, null=0)))),
    ),
    first_flexible=2,
)
