"""DescribeClientQuotas (key 48): request and response as Kafka declares them
(DescribeClientQuotasRequest.json and DescribeClientQuotasResponse.json), every version up to LATEST
(the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/describe_client_quotas.py)
and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, FLOAT64, INT8, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "DescribeClientQuotas"
LATEST = 1

KEY = 48

REQUEST = Message(
    Struct(
        F(
            "components",
            Array(Struct(F("entity_type", STRING), F("match_type", INT8), F("match", STRING, null=0))),
        ),
        F("strict", BOOL),
    ),
    first_flexible=1,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16),
        F("error_message", STRING, null=0),
        F(
            "entries",
            Array(
                Struct(
                    F("entity", Array(Struct(F("entity_type", STRING), F("entity_name", STRING, null=0)))),
                    F("values", Array(Struct(F("key", STRING), F("value", FLOAT64)))),
                )
            ),
            null=0,
        ),
    ),
    first_flexible=1,
)
