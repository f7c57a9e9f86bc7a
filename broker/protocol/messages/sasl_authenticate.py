"""SaslAuthenticate (key 36): request and response as Kafka declares them (SaslAuthenticateRequest.json
and SaslAuthenticateResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/sasl_authenticate.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import BYTES, INT16, INT64, STRING, F, Message, Struct

NAME = "SaslAuthenticate"
LATEST = 2

KEY = 36

REQUEST = Message(Struct(F("auth_bytes", BYTES)), first_flexible=2)

RESPONSE = Message(
    Struct(
        F("error_code", INT16),
        F("error_message", STRING, null=0),
        F("auth_bytes", BYTES),
        F("session_lifetime_ms", INT64, 1),
    ),
    first_flexible=2,
)
