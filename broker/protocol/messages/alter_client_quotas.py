"""AlterClientQuotas (key 49): request and response as Kafka declares them
(AlterClientQuotasRequest.json and AlterClientQuotasResponse.json), every version up to LATEST (the
versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/alter_client_quotas.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BOOL, FLOAT64, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "AlterClientQuotas"
LATEST = 1

KEY = 49

_ENTITY = Struct(F("entity_type", STRING), F("entity_name", STRING, null=0))

REQUEST = Message(
    Struct(
        F(
            "entries",
            Array(
                Struct(
                    F("entity", Array(_ENTITY)),
                    F("ops", Array(Struct(F("key", STRING), F("value", FLOAT64), F("remove", BOOL)))),
                )
            ),
        ),
        F("validate_only", BOOL),
    ),
    first_flexible=1,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "entries",
            Array(
                Struct(
                    F("error_code", INT16),
                    F("error_message", STRING, null=0),
                    F("entity", Array(_ENTITY)),
                )
            ),
        ),
    ),
    first_flexible=1,
)
