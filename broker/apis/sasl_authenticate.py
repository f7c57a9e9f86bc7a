"""SaslAuthenticate (key 36), v0–2, on a PLAINTEXT listener: ILLEGAL_SASL_STATE, as Kafka answers
it outside a SASL handshake."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.schema import BYTES, INT16, INT64, STRING, F, Message, Struct
from ..request_context import RequestContext

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


async def handle(ctx: RequestContext, req: dict) -> dict:
    return {
        "error_code": ErrorCode.ILLEGAL_SASL_STATE,
        "error_message": "SaslAuthenticate request received after successful authentication",
        "auth_bytes": b"",
    }


API = Api(KEY, "SaslAuthenticate", 0, 2, REQUEST, RESPONSE, handle)
