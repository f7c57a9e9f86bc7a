"""DescribeAcls (key 29): request and response as Kafka declares them (DescribeAclsRequest.json and
DescribeAclsResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/describe_acls.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT8, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "DescribeAcls"
LATEST = 3

PATTERN_LITERAL = 3  # Kafka's PatternType.LITERAL: v0 requests name resources literally

KEY = 29

# an ACL binding filter (the fields of DeleteAcls' filters, PATTERN_LITERAL the v0 default)
ACL_FILTER = Struct(
    F("resource_type_filter", INT8),
    F("resource_name_filter", STRING, null=0),
    F("pattern_type_filter", INT8, 1, default=PATTERN_LITERAL),
    F("principal_filter", STRING, null=0),
    F("host_filter", STRING, null=0),
    F("operation", INT8),
    F("permission_type", INT8),
)

REQUEST = Message(ACL_FILTER, first_flexible=2)

_ACL = Struct(F("principal", STRING), F("host", STRING), F("operation", INT8), F("permission_type", INT8))

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16),
        F("error_message", STRING, null=0),
        F(
            "resources",
            Array(
                Struct(
                    F("resource_type", INT8),
                    F("resource_name", STRING),
                    F("pattern_type", INT8, 1, default=PATTERN_LITERAL),
                    F("acls", Array(_ACL)),
                )
            ),
        ),
    ),
    first_flexible=2,
)
