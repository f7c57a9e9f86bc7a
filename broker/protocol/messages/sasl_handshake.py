"""SaslHandshake (key 17): request and response as Kafka declares them (SaslHandshakeRequest.json and
SaslHandshakeResponse.json), every version up to LATEST (the versions the broker serves).

The one declaration of these messages: the broker's handler (broker/apis/sasl_handshake.py) and
netlab's capture decoder build from it.
"""

from __future__ import annotations

from ..schema import INT16, STRING, Array, F, Message, Struct

NAME = "SaslHandshake"
LATEST = 1

KEY = 17

REQUEST = Message(Struct(F("mechanism", STRING)))

RESPONSE = Message(Struct(F("error_code", INT16), F("mechanisms", Array(STRING))))
