"""SaslAuthenticate (key 36), v0–2, on a PLAINTEXT listener: ILLEGAL_SASL_STATE, as Kafka answers
it outside a SASL handshake."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.sasl_authenticate import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    return {
        "error_code": ErrorCode.ILLEGAL_SASL_STATE,
        "error_message": "SaslAuthenticate request received after successful authentication",
        "auth_bytes": b"",
    }


API = Api(KEY, "SaslAuthenticate", 0, 2, REQUEST, RESPONSE, handle)
