"""AlterUserScramCredentials (key 51): request and response as Kafka declares them
(AlterUserScramCredentialsRequest.json and AlterUserScramCredentialsResponse.json, KIP-554):
version 0 only, flexible.

The one declaration of these messages: the broker's handler
(broker/apis/alter_user_scram_credentials.py) and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BYTES, INT8, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "AlterUserScramCredentials"
LATEST = 0

KEY = 51

REQUEST = Message(
    Struct(
        F("deletions", Array(Struct(F("name", STRING), F("mechanism", INT8)))),
        F(
            "upsertions",
            Array(
                Struct(
                    F("name", STRING),
                    F("mechanism", INT8),
                    F("iterations", INT32),
                    F("salt", BYTES),
                    F("salted_password", BYTES),
                )
            ),
        ),
    ),
    first_flexible=0,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F(
            "results",
            Array(Struct(F("user", STRING), F("error_code", INT16), F("error_message", STRING, null=0))),
        ),
    ),
    first_flexible=0,
)
