"""SaslHandshake (key 17), v0–1, on a PLAINTEXT listener: answered the way Kafka answers it there,
ILLEGAL_SASL_STATE with no mechanisms, so a client configured for SASL against a plaintext
listener fails with the error users see against a real broker (not a dropped connection)."""

from __future__ import annotations

from ..protocol.api import Api
from ..protocol.errors import ErrorCode
from ..protocol.messages.sasl_handshake import KEY, REQUEST, RESPONSE
from ..request_context import RequestContext


async def handle(ctx: RequestContext, req: dict) -> dict:
    ctx.node.log.debug(
        f"SaslHandshake (mechanism {req['mechanism']}) from {ctx.peer} on PLAINTEXT listener "
        f"{ctx.listener}: answered ILLEGAL_SASL_STATE (this broker has no SASL listeners)"
    )
    return {"error_code": ErrorCode.ILLEGAL_SASL_STATE, "mechanisms": []}


API = Api(KEY, "SaslHandshake", 0, 1, REQUEST, RESPONSE, handle)
