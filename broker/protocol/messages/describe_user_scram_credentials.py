"""DescribeUserScramCredentials (key 50): request and response as Kafka declares them
(DescribeUserScramCredentialsRequest.json and DescribeUserScramCredentialsResponse.json, KIP-554):
version 0 only, flexible.

The one declaration of these messages: the broker's handler
(broker/apis/describe_user_scram_credentials.py) and netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT8, INT16, INT32, STRING, Array, F, Message, Struct

NAME = "DescribeUserScramCredentials"
LATEST = 0

KEY = 50

REQUEST = Message(
    Struct(F("users", Array(Struct(F("name", STRING))), null=0)),  # null or empty: every user
    first_flexible=0,
)

RESPONSE = Message(
    Struct(
        F("throttle_time_ms", INT32),
        F("error_code", INT16),
        F("error_message", STRING, null=0),
        F(
            "results",
            Array(
                Struct(
                    F("user", STRING),
                    F("error_code", INT16),
                    F("error_message", STRING, null=0),
                    F("credential_infos", Array(Struct(F("mechanism", INT8), F("iterations", INT32)))),
                )
            ),
        ),
    ),
    first_flexible=0,
)
